package io.kvgrid.grid;

/**
 * The device the chain tests put their GPU tier on: the host stand-in, or a real one where the run names it
 * ({@code -Dkvgrid.test.gpu.device=cuda:0}, as gpu-tier/device/run-on-gpu.sh does on a machine with a GPU), so that the
 * same assertions on where the bytes went hold on a CUDA device.
 */
final class TestDevice {
    static final String NAME = System.getProperty("kvgrid.test.gpu.device", "host");

    private TestDevice() {
    }
}
