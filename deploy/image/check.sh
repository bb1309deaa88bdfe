#!/usr/bin/env bash
# Builds the image from deploy/image/Containerfile with podman and runs it the way the manifests
# do (user 10001, read-only root filesystem, a volume for the data directory), then asks its gRPC
# health service from outside and has the engine run the image's own HEALTHCHECK.
#
#   make image-check                      (from the repository root)
#   BASE=docker.io/library/python:3.12-slim make image-check
#
# Where no container registry is reachable (the project's build machines reach PyPI, Debian and
# npm only), the base is made from Debian's packages with debootstrap: bookworm, python3 and
# venv, as `localhost/kubecommit-base:bookworm`; the recipe is otherwise the one users build.
# Engine settings for machines without systemd cgroups (runc, cgroupfs, no default ulimits) are
# passed through CONTAINERS_CONF; they change how containers are run here, not the image.
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG=${TAG:-localhost/kubecommit:check}
PORT=${PORT:-50651}
WORK=$(mktemp -d)
NAME=kubecommit-check-$$
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true; podman volume rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

missing=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    apt-get update -qq && apt-get install -y -qq podman runc debootstrap >/dev/null
fi

printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' \
    > "$WORK/containers.conf"
export CONTAINERS_CONF="$WORK/containers.conf"

if [[ -z "${BASE:-}" ]]; then
    BASE=localhost/kubecommit-base:bookworm
    if ! podman image exists "$BASE"; then
        echo "== base image from Debian's packages (debootstrap; no registry needed)"
        debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
            bookworm "$WORK/rootfs" http://deb.debian.org/debian >/dev/null
        tar -C "$WORK/rootfs" -c . | podman import --change 'CMD ["python3"]' - "$BASE" >/dev/null
    fi
fi

build=(--isolation=chroot --network=host --format=docker --build-arg "BASE=$BASE")  # docker: keeps HEALTHCHECK
if [[ -n "${PIP_CERT:-}" ]]; then  # this machine's pip trusts a proxy's CA: so does the build's
    build+=(--volume "$PIP_CERT:/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
fi
echo "== build $TAG on $BASE"
podman build "${build[@]}" -f deploy/image/Containerfile -t "$TAG" . \
    | grep -E '^(STEP|COMMIT|Successfully)'
podman image inspect "$TAG" --format 'size {{.Size}} bytes, user {{.Config.User}}, entrypoint {{.Config.Entrypoint}}'

echo "== run as the manifests do (read-only root, user 10001, data on a volume)"
podman volume create "$NAME" >/dev/null
# (No systemd here to schedule the HEALTHCHECK timer: the engine's complaint is dropped, the
# check itself is run below.)
podman run -d --name "$NAME" --network=host --read-only --cap-drop=ALL -v "$NAME:/var/lib/kubecommit" \
    -e "KUBECOMMIT_LISTEN=127.0.0.1:$PORT" "$TAG" > /dev/null 2> >(grep -v 'systemd' >&2)
for _ in $(seq 1 60); do
    if .venv/bin/python -m server.probe "127.0.0.1:$PORT" >/dev/null 2>&1; then break; fi
    if [[ "$(podman inspect "$NAME" --format '{{.State.Running}}')" != true ]]; then
        podman logs "$NAME"; echo "the container exited"; exit 1
    fi
    sleep 1
done
.venv/bin/python -m server.probe "127.0.0.1:$PORT"
echo "health from outside: SERVING"
podman healthcheck run "$NAME"
echo "the image's HEALTHCHECK, run by the engine: healthy"
[[ "$(podman exec "$NAME" id -u)" == 10001 ]] && echo "runs as uid 10001"
podman exec "$NAME" test -f /opt/kubecommit/api.pb && echo "Envoy descriptor set: present"
podman exec "$NAME" python -c 'import kubecommit.v1.clusters_pb2' && echo "generated code: importable"
echo "image check passed"
