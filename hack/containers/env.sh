# Sourced by the image scripts: points podman and buildah at the project's
# settings and at image storage under STORE (default: build/images/storage).
containers_env() {  # containers_env STORE
  local store
  store="$(mkdir -p "$1" && cd "$1" && pwd)"  # podman wants absolute paths
  export CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf"
  export CONTAINERS_STORAGE_CONF="$store/storage.conf"
  # vfs: works wherever the kernel offers no overlay mounts to this process.
  cat > "$CONTAINERS_STORAGE_CONF.tmp" <<CONF
[storage]
driver = "vfs"
graphroot = "$store/graph"
runroot = "$store/run"
CONF
  mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
}
