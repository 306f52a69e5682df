# Shared by the load scripts: set-up, core pinning, starting subjects, measuring with wrk.
# Source it from a script that has cd'ed to the repository root.

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-32}"

if [ -x ../shared/v8/seed.sh ]; then ../shared/v8/seed.sh >/dev/null; fi
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

# Servers on core 0, wrk on core 1, when there are two cores: one core against one core.
server_pin=()
client_pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
  server_pin=(taskset -c 0)
  client_pin=(taskset -c 1)
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# start PATTERN CMD...: runs CMD in the background (pinned); sets LAST_PID and LAST_URL, the
# first URL matching PATTERN (e.g. 'https://[0-9.:]*') the server prints on stdout.
start() {
  local pattern="$1" out
  shift
  out="$(mktemp)"
  "${server_pin[@]}" "$@" >"$out" 2>/dev/null &
  LAST_PID="$!"
  pids+=("$LAST_PID")
  for _ in $(seq 1 200); do
    LAST_URL="$(grep -o "$pattern" "$out" | head -n 1 || true)"
    if [ -n "$LAST_URL" ]; then return; fi
    sleep 0.1
  done
  echo "server did not start: $*" >&2
  exit 1
}

# measure URL [WRK ARGS...]: prints "req/s p50 p99" from a wrk run after a short warm-up.
measure() {
  local url="$1"
  shift
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$@" "$url" >/dev/null
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    END { print rps, p50, p99 }'
}

# median_of "a b c": the median of the numbers (req/s, or latencies with their unit).
median_of() {
  tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# compare ROUNDS URL_A URL_B [WRK ARGS...]: measures A and B in alternation, ROUNDS times
# each, so both see the machine in the same states; prints the medians as
# "a_rps a_p50 a_p99 b_rps b_p50 b_p99".
compare() {
  local rounds="$1" a="$2" b="$3"
  shift 3
  local a_rps="" a_p50="" a_p99="" b_rps="" b_p50="" b_p99="" rps p50 p99
  for _ in $(seq 1 "$rounds"); do
    read -r rps p50 p99 < <(measure "$a" "$@")
    a_rps+=" $rps"; a_p50+=" $p50"; a_p99+=" $p99"
    read -r rps p50 p99 < <(measure "$b" "$@")
    b_rps+=" $rps"; b_p50+=" $p50"; b_p99+=" $p99"
  done
  echo "$(median_of "$a_rps") $(median_of "$a_p50") $(median_of "$a_p99")" \
    "$(median_of "$b_rps") $(median_of "$b_p50") $(median_of "$b_p99")"
}

rss_mib() { ps -o rss= -p "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }

# header TITLE: the table's heading.
header() {
  printf '\n%s: %s, %s, %s cores, %s connections, %s per subject\n' \
    "$1" "$(date -u +%Y-%m-%d)" "$(uname -m)" "$(nproc)" "$CONNECTIONS" "$DURATION x $ROUNDS rounds, medians"
  printf '%-28s %12s %10s %10s %9s %8s\n' subject "req/s" p50 p99 "RSS MiB" ratio
}

# site_config DIR POOL NAME=HOST=MODULE...: writes DIR/isogate.toml (plain HTTP and admin on
# free ports, the `[pool]` lines POOL) with a tenant per argument, its MODULE copied into a
# folder of its own and served on every path of HOST; prints the config's path.
site_config() {
  local dir="$1" pool="$2" spec name host module
  shift 2
  mkdir -p "$dir"
  printf '[server]\nhttp = "127.0.0.1:0"\nadmin = "127.0.0.1:0"\n\n[pool]\n%s\n' "$pool" \
    >"$dir/isogate.toml"
  for spec in "$@"; do
    IFS='=' read -r name host module <<<"$spec"
    mkdir -p "$dir/$name"
    cp "$module" "$dir/$name/handler.js"
    printf '\n[[tenants]]\nname = "%s"\nhosts = ["%s"]\n\n  [[tenants.routes]]\n  path = "/{*rest}"\n  handler = "%s/handler.js"\n' \
      "$name" "$host" "$name" >>"$dir/isogate.toml"
  done
  echo "$dir/isogate.toml"
}

# row NAME RPS P50 P99 RSS BASELINE_RPS: prints one line of the current table, and keeps it
# for the summary table when BENCH_ROWS names a file (`bench.sh` sets it).
row() {
  local ratio
  ratio="$(awk -v a="$2" -v b="$6" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-28s %12s %10s %10s %9s %8s\n' "$1" "$2" "$3" "$4" "$5" "$ratio"
  if [ -n "${BENCH_ROWS:-}" ]; then
    printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$ratio" >>"$BENCH_ROWS"
  fi
}

# cpu_per_request PID URL: drives URL for DURATION and prints "requests user_us system_us",
# the CPU time process PID (all its threads) spent per request in user space and in the
# kernel, from /proc/PID/stat (clock ticks: about 1% resolution over 5 s).
cpu_per_request() {
  local pid="$1" url="$2" tick user0 system0 user1 system1 requests
  tick="$(getconf CLK_TCK)"
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$url" >/dev/null
  read -r user0 system0 < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
  requests="$("${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$url" |
    awk '/requests in/ { print $1 }')"
  read -r user1 system1 < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
  awk -v n="$requests" -v t="$tick" -v u="$((user1 - user0))" -v s="$((system1 - system0))" \
    'BEGIN { printf "%d %.2f %.2f\n", n, u / t / n * 1e6, s / t / n * 1e6 }'
}
