# Sourced by scripts/setup.sh and bench/run.sh.
# install_debian_packages WHO PACKAGE...: installs through apt those of the Debian packages
# that are missing (as root; otherwise it names them and fails) and says which it did, each
# message starting with WHO.
install_debian_packages() {
  local who=$1 pkg status
  shift
  local missing=()
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "$who: Debian packages present"
    return 0
  fi
  echo "$who: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "$who: run as root (or install these packages yourself)" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "$who: Debian packages installed"
}
