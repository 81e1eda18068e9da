// ImageRepository: where an image's tags live, from the reference a user
// writes ("nvcr.io/nvidia/mellanox/doca-driver", "busybox",
// "localhost:5000/team/app"): the registry host, the repository path on it,
// and whether it is spoken to over plain HTTP. Pure; thread-safe.
#ifndef REGISTRY_IMAGE_REPOSITORY_H_
#define REGISTRY_IMAGE_REPOSITORY_H_

#include <string>

#include "kube/status.h"

namespace registry {

struct ImageRepository {
  std::string host;  // "nvcr.io", "localhost:5000"; Docker Hub is "registry-1.docker.io"
  std::string path;  // "nvidia/mellanox/doca-driver"; Docker Hub's official images get "library/"
  bool plain_http = false;  // loopback registries only, as container runtimes do

  // "https://nvcr.io": where /v2/ is.
  std::string BaseUrl() const;
  // "nvcr.io/nvidia/mellanox/doca-driver", for messages.
  std::string Name() const { return host + "/" + path; }
};

// Parses a repository without tag or digest. InvalidArgument for anything else.
[[nodiscard]] kube::Result<ImageRepository> ParseImageRepository(const std::string& reference);

}  // namespace registry

#endif  // REGISTRY_IMAGE_REPOSITORY_H_
