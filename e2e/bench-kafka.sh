#!/usr/bin/env bash
# Load program vs Apache Kafka's own perf tools on one local broker (the last part of
# `npm run bench`). Prints figures and asserts nothing; exits 0 unless the setup failed
# (2 = missing prerequisites, 1 = Kafka fetch or broker start failed).
#
# Broker: ONE Kafka (the fleet's kafka.version, jars from Maven Central through pom.xml) in KRaft
# combined mode (broker + controller in one JVM, no ZooKeeper: one JVM less on a small machine;
# the client path measured here is the same). Listeners on 127.0.0.1: PLAINTEXT and SSL with
# client certificates required (PEM keystore/truststore as the generated config uses; a throwaway
# CA from openssl). Topics: BENCH_PARTITIONS partitions, replication factor 1 (one broker), so
# acks=all waits for the leader only: these are client figures, not the stretched cluster's.
#
# Same settings for every client: BENCH_RECORDS records of 1024 bytes, acks=all, idempotence,
# lz4, batch 131072 bytes, linger 50 ms, one process per client (BENCH_LOAD_* below). Each tool writes its own
# topic; both consumers read the topic Kafka's producer wrote (exactly BENCH_RECORDS records).
# BENCH_PAIRS paired rounds: in each, per listener, Java and the load program run back to back
# (which goes first alternates), so a ratio compares runs under the same machine load; the
# report takes the median of the per-round ratios. Each run's CPU time (user + system, with its
# children) comes from the shell's `times` before and after it.
#
#   BENCH_RECORDS (1000000)  BENCH_PAIRS (3)  BENCH_PARTITIONS (12)  BENCH_TLS (1: also over TLS)
#   BENCH_RUN_TIMEOUT_S (180, per client run)  BENCH_KEEP (1: keep the temp dir)
#   BENCH_LOAD_PRODUCERS (4), BENCH_LOAD_THREADS (2): the load program's --producers and --threads,
#                   send pipelines of the one process. Java's one producer keeps up to 5 requests
#                   in flight per broker, each with every ready partition; a kafkajs idempotent
#                   producer sends one single-partition request at a time per broker (kafkajs
#                   #1303), so 4 producers come closest; 2 threads for the 2 cores.
#   BENCH_LOAD_CONSUMER_THREADS (2): the load program's consume --threads: that many kafkajs
#                   consumers on as many event loops, thread i reading the partitions p with
#                   p % threads = i in a group of its own (each joins once; no partition moves).
#   BENCH_LOAD_COMMIT_INTERVAL_MS (5000): the load program's consume --commit-interval-ms; 5000 is
#                   the Java consumer's auto.commit.interval.ms default, which kafka-consumer-perf-test
#                   keeps; 0: kafkajs' own commit after every batch (one round trip each, as before).
#   BENCH_PROFILE (1): after the rounds, one more plaintext produce run of the load program under
#                   node --cpu-prof (not in the table), summarised by module and function
#   BENCH_LOAD_NODE_ARGS: extra node flags for the load program, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
#                   (summarise with node scripts/cpuprofile-summary.mjs /tmp/prof/*.cpuprofile)
#   BENCH_CKJS_DIR: an npm prefix holding @confluentinc/kafka-javascript (see e2e/bench/README.md);
#                   when set, that client is measured the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { echo "bench-kafka: $*"; }

missing=()
for tool in java mvn openssl node timeout; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if (( ${#missing[@]} )); then echo "bench-kafka: skipped, missing prerequisites: ${missing[*]} (needs Java 17+, Maven, openssl, Node)" >&2; exit 2; fi
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if (( ${java_major%%.*} < 17 )); then echo "bench-kafka: skipped, Java $java_major found, Kafka 3.9 needs 17+" >&2; exit 2; fi

records=${BENCH_RECORDS:-1000000}
pairs=${BENCH_PAIRS:-3}
partitions=${BENCH_PARTITIONS:-12}
with_tls=${BENCH_TLS:-1}
run_timeout=${BENCH_RUN_TIMEOUT_S:-180}
load_producers=${BENCH_LOAD_PRODUCERS:-4}
load_threads=${BENCH_LOAD_THREADS:-2}
load_consumer_threads=${BENCH_LOAD_CONSUMER_THREADS:-2}
load_commit_interval_ms=${BENCH_LOAD_COMMIT_INTERVAL_MS:-5000}
load_commit_args=()
if [[ "$load_commit_interval_ms" != 0 ]]; then load_commit_args=(--commit-interval-ms "$load_commit_interval_ms"); fi
record_bytes=1024
batch_bytes=131072
linger_ms=50

node scripts/build.mjs loadgen
npx --no-install esbuild e2e/bench/main.ts --bundle --platform=node --target=node20 --format=cjs \
  --log-level=warning --external:lz4-napi --outfile=dist/bench-kafka.js
helper() { node "$root/dist/bench-kafka.js" "$@"; }
loadgen="$root/packages/loadgen/dist/cli.js"
read -ra load_node_args <<<"${BENCH_LOAD_NODE_ARGS:-}"

kafka_version=$(helper kafka-version)
say "fetching Apache Kafka $kafka_version from Maven Central (pom.xml)"
# Maven's output only matters when it fails (with -q it still prints colour resets).
if ! mvn_out=$(timeout 600 mvn -q -B -f pom.xml -Dkafka.version="$kafka_version" dependency:copy-dependencies 2>&1); then
  say "mvn could not fetch Kafka $kafka_version: $(grep -m1 ERROR <<<"$mvn_out" || tail -1 <<<"$mvn_out")"; exit 1
fi
lib="$root/e2e/.kafka/$kafka_version/lib"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-kafka.XXXXXX")
broker_pid=
cleanup() {
  if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$broker_pid" 2>/dev/null || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PKI: one CA, a broker certificate for 127.0.0.1, a client certificate -------------------
pki() {
  local dir="$work/pki"
  mkdir -p "$dir/broker" "$dir/client"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-kafka-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  local name ext
  for name in broker client; do
    ext="$dir/$name.ext"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$ext"
    # openssl 3 writes PKCS#8 keys, the form Kafka's PEM keystore reads.
    openssl req -newkey rsa:2048 -nodes -subj "/CN=bench-$name" -keyout "$dir/$name/tls.key" -out "$dir/$name.csr" 2>/dev/null
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 -sha256 \
      -extfile "$ext" -out "$dir/$name/tls.crt" 2>/dev/null
    cp "$dir/ca.crt" "$dir/$name/ca.crt"
    cat "$dir/$name/tls.key" "$dir/$name/tls.crt" >"$dir/$name/tls-combined.pem"
  done
}
pki

read -r port_plain port_tls port_controller < <(helper free-ports --count 3)
mkdir -p "$work/data" "$work/logs" "$work/out"
cat >"$work/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$work/logs/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
cat >"$work/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
cat >"$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$port_controller
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port_plain,SSL://127.0.0.1:$port_tls,CONTROLLER://127.0.0.1:$port_controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port_plain,SSL://127.0.0.1:$port_tls
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$work/data
ssl.keystore.type=PEM
ssl.keystore.location=$work/pki/broker/tls-combined.pem
ssl.truststore.type=PEM
ssl.truststore.location=$work/pki/broker/ca.crt
ssl.client.auth=required
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
cat >"$work/client-tls.properties" <<EOF
security.protocol=SSL
ssl.keystore.type=PEM
ssl.keystore.location=$work/pki/client/tls-combined.pem
ssl.truststore.type=PEM
ssl.truststore.location=$work/pki/client/ca.crt
ssl.endpoint.identification.algorithm=https
EOF

# Kafka's command-line tools, as their bin/*.sh launchers would start them.
java_tool=(java -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$work/tools-log4j.properties" -cp "$lib/*")

# Kafka's storage id is a base64url UUID; one without a leading '-' is never mistaken for a flag.
cluster_id=
while [[ -z "$cluster_id" || "$cluster_id" == -* ]]; do
  cluster_id=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=')
done
if ! timeout 60 "${java_tool[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$work/server.properties" >"$work/logs/format.log" 2>&1; then
  say "storage format failed: $(tail -1 "$work/logs/format.log")"; exit 1
fi

say "starting Kafka $kafka_version (KRaft, one combined node) on 127.0.0.1: plaintext :$port_plain, TLS :$port_tls"
java -Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
  "-Dlog4j.configuration=file:$work/log4j.properties" "-Dkafka.logs.dir=$work/logs" \
  -cp "$lib/*" kafka.Kafka "$work/server.properties" >"$work/logs/broker.out" 2>&1 &
broker_pid=$!

topics=()
listeners=(plaintext)
[[ "$with_tls" == 1 ]] && listeners+=(tls)
tools=(java load)
if [[ -n "${BENCH_CKJS_DIR:-}" ]]; then tools+=(ckjs); fi
for p in $(seq 1 "$pairs"); do for l in "${listeners[@]}"; do for t in "${tools[@]}"; do topics+=("bench-$t-$l-$p"); done; done; done
if ! timeout 90 node "$root/dist/bench-kafka.js" create-topics --bootstrap "127.0.0.1:$port_plain" \
    --topics "$(IFS=,; echo "${topics[*]}")" --partitions "$partitions" --timeout-s 60; then
  say "broker did not start; last broker log lines:"
  tail -5 "$work/logs/broker.out" "$work/logs/broker.log" 2>/dev/null || true
  exit 1
fi
say "topics ${topics[*]}: $partitions partitions each, replication factor 1"

# CPU seconds (user + system) of the shell's finished children, from the second line of bash's
# `times` as written to the file $1 (run in this shell: in a subshell it would count only its own).
children_cpu() {
  awk 'NR == 2 { n = 0; for (i = 1; i <= NF; i++) { split($i, a, "m"); sub("s", "", a[2]); n += a[1] * 60 + a[2] }; printf "%.3f", n }' "$1"
}

# One measured run: stdout, stderr, exit code and CPU seconds under out/<listener>.<tool>.<mode>.<round>.*
measure() {
  local name=$1; shift
  local rc=0
  times >"$work/times.before"
  timeout --kill-after=10 "$run_timeout" "$@" >"$work/out/$name.out" 2>"$work/out/$name.err" || rc=$?
  times >"$work/times.after"
  echo "$rc" >"$work/out/$name.rc"
  awk -v a="$(children_cpu "$work/times.before")" -v b="$(children_cpu "$work/times.after")" 'BEGIN { printf "%.3f\n", b - a }' >"$work/out/$name.cpu"
  if kill -0 "$broker_pid" 2>/dev/null; then return 0; fi
  say "the broker died during $name"; exit 1
}

produce_java() {
  measure "$l.java.produce.$p" "${java_tool[@]}" org.apache.kafka.tools.ProducerPerformance \
    --topic "bench-java-$l-$p" --num-records "$records" --record-size "$record_bytes" \
    --throughput -1 "${java_cfg[@]}" \
    --producer-props bootstrap.servers="$bootstrap" acks=all enable.idempotence=true compression.type=lz4 batch.size=$batch_bytes linger.ms=$linger_ms
}
produce_load() {
  measure "$l.load.produce.$p" node "${load_node_args[@]}" "$loadgen" produce --bootstrap "$bootstrap" --topic "bench-load-$l-$p" "${load_sec[@]}" \
    --client-id "bench-load-$l" --records "$records" --record-bytes "$record_bytes" --batch-bytes "$batch_bytes" \
    --linger-ms "$linger_ms" --compression lz4 --producers "$load_producers" --threads "$load_threads" --progress-interval-s 0
}
consume_java() {
  measure "$l.java.consume.$p" "${java_tool[@]}" org.apache.kafka.tools.ConsumerPerformance \
    --bootstrap-server "$bootstrap" --topic "bench-java-$l-$p" --messages "$records" "${java_ccfg[@]}" \
    --group "bench-java-$l-$p-$RANDOM" --timeout 20000
}
consume_load() {
  measure "$l.load.consume.$p" node "${load_node_args[@]}" "$loadgen" consume --bootstrap "$bootstrap" --topic "bench-java-$l-$p" "${load_sec[@]}" \
    --client-id "bench-load-$l" --group "bench-load-$l-$p-$RANDOM" --records "$records" --idle-timeout-s 10 \
    --threads "$load_consumer_threads" "${load_commit_args[@]}" --progress-interval-s 0
}

for p in $(seq 1 "$pairs"); do
for l in "${listeners[@]}"; do
  if [[ "$l" == tls ]]; then
    bootstrap="127.0.0.1:$port_tls"; java_cfg=(--producer.config "$work/client-tls.properties"); java_ccfg=(--consumer.config "$work/client-tls.properties")
    load_sec=(--tls-dir "$work/pki/client"); ckjs_sec=(--tls-dir "$work/pki/client")
  else
    bootstrap="127.0.0.1:$port_plain"; java_cfg=(); java_ccfg=(); load_sec=(--plaintext); ckjs_sec=()
  fi
  say "round $p/$pairs, $l: producing $records records of $record_bytes bytes with each client (load average $(cut -d' ' -f1 /proc/loadavg))"
  # Who goes first alternates from round to round, so neither client always meets a warmer broker.
  if (( p % 2 )); then produce_java; produce_load; else produce_load; produce_java; fi
  if [[ -n "${BENCH_CKJS_DIR:-}" ]]; then
    measure "$l.ckjs.produce.$p" node "$root/dist/bench-kafka.js" ckjs produce --module "$BENCH_CKJS_DIR" \
      --bootstrap "$bootstrap" --topic "bench-ckjs-$l-$p" "${ckjs_sec[@]}" --records "$records" \
      --record-bytes "$record_bytes" --batch-bytes "$batch_bytes" --linger-ms "$linger_ms"
  fi
  say "round $p/$pairs, $l: consuming the $records records Kafka's producer wrote, with each client"
  if (( p % 2 )); then consume_java; consume_load; else consume_load; consume_java; fi
  if [[ -n "${BENCH_CKJS_DIR:-}" ]]; then
    measure "$l.ckjs.consume.$p" node "$root/dist/bench-kafka.js" ckjs consume --module "$BENCH_CKJS_DIR" \
      --bootstrap "$bootstrap" --topic "bench-java-$l-$p" "${ckjs_sec[@]}" --records "$records" \
      --group "bench-ckjs-$l-$p-$RANDOM" --idle-timeout-s 10
  fi
done
done

echo
say "Kafka $kafka_version, one KRaft node on 127.0.0.1, $partitions partitions RF 1; $records records x $record_bytes B, $pairs paired rounds,"
say "acks=all, idempotent, lz4, batch $batch_bytes B, linger $linger_ms ms; Java: one producer; load program: --producers $load_producers --threads $load_threads;"
say "consume: Java one consumer (auto commit every 5 s); load program: consume --threads $load_consumer_threads, commits ${load_commit_args[*]:-after every batch};"
say "$(nproc) CPUs shared by broker and client;"
say "load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both clients of a round alike)."
echo
helper report --dir "$work/out" --record-bytes "$record_bytes"
if [[ "${BENCH_PROFILE:-1}" == 1 ]]; then
  # Where the load program's producer spends its time: one extra run, profiled (so a little
  # slower), with the same settings as the measured ones.
  bootstrap="127.0.0.1:$port_plain"
  rc=0
  timeout --kill-after=10 "$run_timeout" node --cpu-prof --cpu-prof-dir="$work/prof" "$loadgen" produce --bootstrap "$bootstrap" \
    --topic "bench-load-plaintext-1" --plaintext --client-id bench-load-profile --records "$records" --record-bytes "$record_bytes" \
    --batch-bytes "$batch_bytes" --linger-ms "$linger_ms" --compression lz4 --producers "$load_producers" --threads "$load_threads" \
    --progress-interval-s 0 >"$work/out/profile.json" 2>"$work/out/profile.err" || rc=$?
  echo
  if [[ "$rc" == 0 ]] && compgen -G "$work/prof/*.cpuprofile" >/dev/null; then
    echo "Profile of one more plaintext produce run of the load program (node --cpu-prof, every thread; not in the table):"
    node "$root/scripts/cpuprofile-summary.mjs" --top 12 "$work/prof"/*.cpuprofile
  else
    echo "profile run failed (exit $rc): $(head -1 "$work/out/profile.err")"
  fi
fi
echo
echo "MB = 10^6 bytes of record values (Kafka's tools print MiB; converted here). Latency is produce only:"
echo "send to acknowledgement (the load program counts from record creation, so time queued behind its"
echo "32 MiB buffer is included). Consumers read a topic written before they started, so only their"
echo "throughput compares; the Java consumer's figures are its fetch.* columns (without the group join)."
