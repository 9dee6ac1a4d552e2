# --- flowctl local runtime: the same in every generated run.sh ---------------
# Everything a component needs (its command, env, names) reaches these
# functions as arguments; nothing here re-parses them as shell code.

log_dir=${FLOWCTL_LOG_DIR:-$here/logs}
state_dir=${FLOWCTL_STATE_DIR:-$here/.flowctl}
mkdir -p -- "$log_dir" "$state_dir" || exit 1

supervisors=() # one per started component, in start order
containers=()  # names of docker containers to remove on the way out
stopping=0

say() { printf 'flowctl: %s\n' "$*" >&2; }

# prefix_lines PREFIX LOG: copies standard input to LOG and, prefixed, to the terminal.
prefix_lines() {
  local prefix=$1 line fd
  exec {fd}>>"$2"
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line" >&"$fd"
    printf '%s %s\n' "$prefix" "$line"
  done
  exec {fd}>&-
}

# supervise NAME POLICY COMMAND...: runs COMMAND with its output in NAME.log,
# and restarts it as POLICY says (no, on-failure, always, unless-stopped),
# waiting 1, 2, 4 ... 30 s between attempts, at most max_restarts times.
# SIGTERM stops the command (SIGKILL after stop_grace seconds) and returns.
# SIGINT (Ctrl-C reaches the whole process group) only means the pipeline is
# stopping: run.sh stops the components in order, and none is restarted or
# announced as restarting on the way, even one that Ctrl-C itself ended.
supervise() {
  local name=$1 policy=$2 child=0 status restarts=0 delay=1 interrupted=0
  shift 2
  local log="$log_dir/$name.log"
  trap 'stopping=1; if ((child)); then kill -TERM "$child" 2>/dev/null; fi' TERM
  trap 'interrupted=1' INT
  while :; do
    # The command itself ignores SIGINT, so that run.sh can stop it in order.
    (trap '' INT && exec "$@") > >(prefix_lines "[$name]" "$log") 2>&1 &
    child=$!
    # A trap interrupts wait; wait again until the command has really exited,
    # and after SIGTERM give it stop_grace seconds before SIGKILL.
    while :; do
      wait "$child"
      status=$?
      kill -0 "$child" 2>/dev/null || break
      if ((stopping)); then
        local tenths=$((stop_grace * 10))
        while ((tenths-- > 0)) && kill -0 "$child" 2>/dev/null; do sleep 0.1; done
        kill -KILL "$child" 2>/dev/null
      fi
    done
    child=0
    ((stopping || interrupted)) && return 0
    case $policy in
      no) return "$status" ;;
      on-failure) ((status == 0)) && return 0 ;;
    esac
    if ((restarts >= max_restarts)); then
      say "$name exited with status $status; not restarted again after $restarts restarts"
      return "$status"
    fi
    restarts=$((restarts + 1))
    say "$name exited with status $status; restart $restarts of $max_restarts in ${delay}s"
    sleep "$delay" &
    wait $! 2>/dev/null
    ((stopping || interrupted)) && return 0
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

# start NAME POLICY COMMAND...: supervises COMMAND in the background.
start() {
  supervise "$@" &
  supervisors+=($!)
}

# start_container NAME POLICY CONTAINER docker run ARGS...: like start, and
# removes the container when run.sh exits.
start_container() {
  containers+=("$3")
  start "$1" "$2" "${@:4}"
}

# http_ok PORT PATH: true when GET http://127.0.0.1:PORT PATH answers 2xx;
# with an empty PATH, when the port accepts a connection (a server that may
# not speak HTTP/1, such as another control plane's gRPC port).
http_ok() {
  local fd status=""
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  if [[ -z $2 ]]; then
    exec {fd}>&-
    return 0
  fi
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"
  IFS=' ' read -r -t 5 _ status _ <&"$fd"
  exec {fd}>&-
  [[ $status == 2?? ]]
}

# await_healthy NAME PORT PATH: waits until NAME answers on its health
# endpoint; stops the pipeline when it does not within health_timeout seconds.
await_healthy() {
  local deadline=$((SECONDS + health_timeout))
  until http_ok "$2" "$3"; do
    ((stopping)) && return 0
    if ((SECONDS >= deadline)); then
      say "$1 did not answer http://127.0.0.1:$2$3 within ${health_timeout}s; stopping"
      stop_all 1
    fi
    sleep 0.2
  done
}

# stop_all STATUS: stops the supervisors in reverse start order, then exits.
stop_all() {
  trap '' INT TERM
  stopping=1
  local i
  for ((i = ${#supervisors[@]} - 1; i >= 0; i--)); do
    kill -TERM "${supervisors[i]}" 2>/dev/null
    wait "${supervisors[i]}" 2>/dev/null
  done
  for i in "${containers[@]}"; do docker rm -f "$i" >/dev/null 2>&1; done
  say "stopped"
  exit "$1"
}

trap 'say "interrupted, stopping"; stop_all 130' INT
trap 'say "terminated, stopping"; stop_all 143' TERM

# wait_all: waits for every supervisor; when the last component has ended
# for good, stops the rest (the control plane) and exits.
wait_all() {
  local pid status=0
  for pid in "${supervisors[@]:$1}"; do
    wait "$pid" || status=1
  done
  stop_all "$status"
}
# --- end of the flowctl local runtime ---------------------------------------
