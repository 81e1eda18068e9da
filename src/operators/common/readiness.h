// Readiness of the objects a state applied, judged better than upstream:
// a DaemonSet is ready when desired, available and updated agree, and one
// that targets no node is ready with a message saying so instead of holding
// the policy notReady forever; a Deployment is ready when its available
// replicas reach the wanted count for the current generation. Other kinds
// are ready once they exist.
#ifndef OPERATORS_COMMON_READINESS_H_
#define OPERATORS_COMMON_READINESS_H_

#include <string>

#include <nlohmann/json.hpp>

namespace operators {

struct Readiness {
  bool ready = false;
  std::string message;  // why not ready, or a note ("targets no node")
};

// `live` is the object as the server has it.
Readiness ObjectReadiness(const nlohmann::json& live);

// A pod Running with every container ready.
bool PodReady(const nlohmann::json& pod);

}  // namespace operators

#endif  // OPERATORS_COMMON_READINESS_H_
