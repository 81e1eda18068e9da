// MetadataPatch: the merge patch that changes some of an object's labels and
// annotations and nothing else, guarded by the resourceVersion it was read
// at, so that it fails (Conflict) on an object changed since: a writer that
// decided from a stale read tries again instead of undoing another's change.
#ifndef KUBE_METADATA_PATCH_H_
#define KUBE_METADATA_PATCH_H_

#include <map>
#include <optional>
#include <string>

#include "kube/object.h"

namespace kube {

// Key -> new value, or nullopt to remove the key.
using MetadataChanges = std::map<std::string, std::optional<std::string>>;

// The body for Client::Patch with PatchType::kMerge.
std::string MetadataPatch(const Object& current, const MetadataChanges& labels,
                          const MetadataChanges& annotations = {});

}  // namespace kube

#endif  // KUBE_METADATA_PATCH_H_
