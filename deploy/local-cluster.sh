#!/usr/bin/env bash
# The production shape on one machine: PostgreSQL, Redis, two app servers
# (deploy/app-server), two task workers and nginx in front. `deploy/local-cluster.sh`
# serves until Ctrl-C; `deploy/local-cluster.sh COMMAND…` runs COMMAND against it and
# stops everything after.
# COMMAND sees CLUSTER_URL (nginx), CLUSTER_APP_URLS (the app servers, space-separated)
# and the cluster's DATABASE_URL and CACHE_URL.
#
# Environment: SEED_ARTICLES (default 200) articles from seed_bench, CLUSTER_PORT (8080).
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL comes from bin/with-postgres, which runs this script again inside it.
if [ -z "${DATABASE_URL:-}" ] || [ -z "${PG_DATA:-}" ]; then
    exec bin/with-postgres "$0" "$@"
fi

for tool in nginx redis-server; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "Installing $tool" >&2
        apt-get install -y -q nginx-light redis-server >/dev/null
    fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
python=.venv/bin/python

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run=$(mktemp -d -t newsroom-cluster.XXXXXX)
pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$run"
}
trap stop EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --maxmemory 512mb --maxmemory-policy allkeys-lru --logfile "$run/redis.log" &
pids+=($!)

export SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')}
export DEBUG=off SECURE_SSL_REDIRECT=off SECURE_COOKIES=off SECURE_HSTS_SECONDS=0
export ALLOWED_HOSTS=127.0.0.1,localhost TRUSTED_PROXY_COUNT=1
# nginx forwards the host without its port (deploy/nginx.conf): links are built from
# SITE_URL, and the admin's forms posted through nginx need its origin trusted.
nginx_port=${CLUSTER_PORT:-8080}
export SITE_URL="http://127.0.0.1:$nginx_port"
export CSRF_TRUSTED_ORIGINS="http://127.0.0.1:$nginx_port,http://localhost:$nginx_port"
export CACHE_URL="redis://127.0.0.1:$redis_port/0"
export STATIC_ROOT="$run/static" MEDIA_ROOT="$run/media"
export DATABASE_POOL_MAX=${DATABASE_POOL_MAX:-4}

$python manage.py migrate --no-input -v0
$python manage.py collectstatic --no-input -v0
$python manage.py seed_bench --articles "${SEED_ARTICLES:-200}" >/dev/null

app_urls=()
upstreams=""
for n in 1 2; do
    port=$(free_port)
    GRANIAN_PORT=$port GRANIAN_WORKERS=${GRANIAN_WORKERS:-1} deploy/app-server >"$run/app$n.log" 2>&1 &
    pids+=($!)
    app_urls+=("http://127.0.0.1:$port")
    upstreams+="server 127.0.0.1:$port; "
done
for n in 1 2; do
    $python manage.py db_worker >"$run/worker$n.log" 2>&1 &
    pids+=($!)
done
# Two schedulers, as on two machines: each job still runs once.
for n in 1 2; do
    $python manage.py scheduler >"$run/scheduler$n.log" 2>&1 &
    pids+=($!)
done

mkdir -p "$run/nginx"
sed -e "s|@USER@|$(id -un)|g" -e "s|@PREFIX@|$run/nginx|g" -e "s|@LISTEN@|127.0.0.1:$nginx_port|g" \
    -e "s|@STATIC_ROOT@|$STATIC_ROOT|g" -e "s|@MEDIA_ROOT@|$MEDIA_ROOT|g" \
    -e "s|@UPSTREAMS@|$upstreams|g" deploy/nginx.conf >"$run/nginx/nginx.conf"
"$NGINX" -p "$run/nginx" -c "$run/nginx/nginx.conf" -e "$run/nginx/error.log" &
pids+=($!)

export CLUSTER_URL="http://127.0.0.1:$nginx_port" CLUSTER_APP_URLS="${app_urls[*]}"
for url in "$CLUSTER_URL" "${app_urls[@]}"; do
    for _ in $(seq 300); do
        curl -fs -o /dev/null "$url/" && break
        sleep 0.1
    done
    curl -fs -o /dev/null "$url/" || { echo "$url did not start" >&2; curl -si "$url/" | head -5 >&2; cat "$run"/*.log "$run"/nginx/error.log >&2; exit 1; }
done

if [ $# -gt 0 ]; then
    "$@"
else
    echo "Cluster up: nginx $CLUSTER_URL, app servers ${app_urls[*]}, workers 2. Ctrl-C stops."
    wait
fi
