// The revision of a desired object: a 32-bit FNV-1a of its JSON, kept in the
// `nvidia.network-operator.revision` annotation (as upstream) so an object
// whose revision is unchanged is not written again.
#ifndef OPERATORS_NETWORK_REVISION_H_
#define OPERATORS_NETWORK_REVISION_H_

#include <string>

#include <nlohmann/json.hpp>

#include "fnv_hash.h"
#include "network_labels.h"

namespace network {

inline std::string Revision(const nlohmann::json& object) { return std::to_string(operators::Fnv32(object.dump())); }

}  // namespace network

#endif  // OPERATORS_NETWORK_REVISION_H_
