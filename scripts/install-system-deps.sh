#!/usr/bin/env bash
# Installs the Debian packages Haitang's tests and demo start for themselves, when missing:
# socat (pseudo-terminals), mosquitto (cloud broker), victoria-metrics (InfluxDB v2 write API),
# chromium and a CJK font (browser tests). Needs root (or sudo); does nothing when all are present.
set -euo pipefail
need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v victoria-metrics >/dev/null 2>&1 || need+=(victoria-metrics)
if [ "${HAITANG_SKIP_CHROMIUM:-}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # A CJK font, so the Chinese pages in browser-test screenshots are legible.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
