#!/usr/bin/env bash
# Prepares a run of run-on-gpu.sh on a machine with a CUDA driver and no Java (the lent GPU machines): a jlinked JRE in
# .jre/ and the jars, test classes and trace it needs in .devrun/, both ignored by git and small enough to travel
# (under 64 MiB with the working tree). Run here, from any directory; then, on the GPU machine, from the repo root:
#   bash gpu-tier/device/run-on-gpu.sh        (carry .jre and .devrun)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
junit_platform=1.11.4   # the platform of the parent pom's JUnit 5.11.4

mvn -B -q -ntp install -DskipTests
mvn -B -q -ntp -pl examples,gpu-tier dependency:build-classpath -Dmdep.outputFile=target/device.classpath \
  -Dmdep.includeScope=test
rm -rf .devrun && mkdir -p .devrun/lib .devrun/gpu-tests
# Left out, to fit: what the GPU run never loads (the SSD tier's Chronicle Map and its native helpers, TLS's Bouncy
# Castle, SQL indexing, Spring XML); JUnit comes whole in the console launcher's jar.
{ cat examples/target/device.classpath; echo; cat gpu-tier/target/device.classpath; echo; } | tr ':' '\n' | sort -u \
  | grep -Ev '/(openhft|jnr|jna|bouncycastle|lucene|h2database|ignite-indexing|springframework|ignite-spring|junit|opentest4j|apiguardian)/' \
  | grep -Ev 'jcuda-natives' | while read -r jar; do cp "$jar" .devrun/lib/; done
find examples/target -maxdepth 1 -name 'kvgrid-examples-*.jar' ! -name '*-tests.jar' -exec cp {} .devrun/lib/ \;
cp -r gpu-tier/target/test-classes/. .devrun/gpu-tests/
# JCuda's natives, the driver and runtime bindings only (the PTX compiler alone is 24 MB).
natives=$(ls ~/.m2/repository/org/jcuda/jcuda-natives/*/jcuda-natives-*-linux-x86_64.jar | head -1)
tmp=$(mktemp -d)
(cd "$tmp" && unzip -q "$natives" 'lib/libJCudaDriver-*' 'lib/libJCudaRuntime-*' 'META-INF/MANIFEST.MF' \
  && jar cfm "$root/.devrun/lib/jcuda-natives-driver.jar" META-INF/MANIFEST.MF lib)
rm -rf "$tmp"
mvn -B -q -ntp dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_platform" \
  -DoutputDirectory=.devrun/lib
cp examples/target/classes/kvgrid-jvm.flags .devrun/jvm.flags
cp ../shared/traces/conversation_trace.jsonl .devrun/ 2>/dev/null || echo "prepare: no ../shared trace; the replay uses the built-in generator" >&2
if [[ ! -x .jre/bin/java ]]; then
  jlink --add-modules java.base,java.logging,java.management,jdk.unsupported,java.naming,java.sql,jdk.management,java.xml \
    --strip-debug --no-header-files --no-man-pages --compress=2 --output .jre
fi
# xz takes the JRE from 39 to 20 MB (most of it is libjvm.so); run-on-gpu.sh unpacks it under /tmp.
tar -cJf .devrun/jre.tar.xz .jre
du -sh .devrun
