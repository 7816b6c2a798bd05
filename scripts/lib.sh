# Shell helpers shared by the scripts that start servers on loopback (bench/,
# deploy/check.sh). Source it; it defines functions only.

# Installs the Debian packages named, with apt-get (through sudo unless root); lists
# the packages once more after `apt-get update` if the first try fails.
install_packages() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || { "${sudo[@]}" apt-get update -qq >&2 \
      && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2; }
}

# Sets NGINX to nginx's path, installing nginx-light first when there is none.
find_nginx() {
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    install_packages nginx-light
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# A loopback port nobody listens on now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# A benchmark's temporary folder ($WORK, readable by servers running as another user)
# and the processes it starts: `stop_at_exit PID` has PID stopped when the script ends,
# however it ends, and the folder goes with them.
bench_work_folder() {
  WORK=$(mktemp -d)
  chmod 755 "$WORK"
  STOP_AT_EXIT=()
  trap bench_cleanup EXIT
}
stop_at_exit() {
  STOP_AT_EXIT+=("$1")
}
bench_cleanup() {
  local pid
  for pid in "${STOP_AT_EXIT[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STOP_AT_EXIT[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
