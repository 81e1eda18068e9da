// Comparison of the objects two operators created for one input: which
// objects only one side has, and which fields of a shared object differ, each
// checked against the list of deliberate differences.
//
// Pure functions over JSON; thread-compatible.
#ifndef TEST_CONFORMANCE_OBJECT_DIFF_H_
#define TEST_CONFORMANCE_OBJECT_DIFF_H_

#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace conformance {

// "Kind/namespace/name", or "Kind/name" for a cluster-scoped object.
std::string ObjectKey(const nlohmann::json& object);

// One difference. `field` is a JSON pointer ("" for a whole object); a side
// without the field or object has no value.
struct Difference {
  std::string object;
  std::string field;
  std::optional<nlohmann::json> ours;
  std::optional<nlohmann::json> upstream;
  std::string Describe() const;
};

// Every difference between two sets of objects, matched by ObjectKey. Within a
// shared object, mappings are compared key by key and lists item by item.
std::vector<Difference> Compare(const std::vector<nlohmann::json>& ours, const std::vector<nlohmann::json>& upstream);

// A difference we keep on purpose. `object` and `field` are glob patterns (an
// entry of the file may list several objects);
// `case_` (empty: every case) names the case it holds for. Both values are
// stated; a side written `<absent>` has no value.
struct DeliberateDifference {
  std::string case_;
  std::string object;
  std::string field;
  std::optional<nlohmann::json> ours;
  std::optional<nlohmann::json> upstream;
  std::string reason;
  // The values are JSON text that must parse to the same JSON on both sides (the stated values are ignored).
  bool same_json = false;
  // The values are configuration text whose settings (lines that are neither blank nor comments)
  // must be the same, in order, on both sides.
  bool same_settings = false;
  // The field is YAML text on both sides that parses to the same document.
  bool same_yaml = false;
  // Not a difference kept on purpose but work another issue does (`pending:` in place of
  // `reason:`, naming it): counted and reported apart, so the rest of the case is still held.
  bool pending = false;
  // The value of an object's field (by key and JSON pointer), if it has it.
  using Lookup = std::function<std::optional<nlohmann::json>(const std::string&, const std::string&)>;
  // Whether this entry explains `d`: the case and object match, and the listed
  // field is d's field or one above it, with the stated values on both sides.
  bool Covers(const std::string& case_name, const Difference& d, const Lookup& ours_at,
              const Lookup& upstream_at) const;
};

// Reads the list; every entry must name object, field, ours, upstream and a reason. Entries
// naming counterparts (below) are left to ParseCounterparts.
[[nodiscard]] kube::Result<std::vector<DeliberateDifference>> ParseDeliberateDifferences(const std::string& yaml);

// Objects the two operators name differently on purpose, compared field by field as one: an
// object of ours without a namesake upstream whose key fully matches the regex `ours`, and one
// of upstream's without a namesake of ours whose key fully matches `upstream`, when both
// matches capture the same groups and both objects have the same controlling owner (kind and
// name). Written in the differences file as `counterpart: {ours: ..., upstream: ...}` with a
// reason; `case` (a glob, empty: every case) as for a deliberate difference.
struct Counterpart {
  std::string case_;
  std::regex ours;
  std::regex upstream;
  std::string reason;
};
[[nodiscard]] kube::Result<std::vector<Counterpart>> ParseCounterparts(const std::string& yaml);

// Upstream's objects with every one that has counterparts of ours replaced by a copy named as
// each of them (one upstream object may stand for several of ours).
std::vector<nlohmann::json> RenameCounterparts(const std::string& case_name, const std::vector<nlohmann::json>& ours,
                                               const std::vector<nlohmann::json>& upstream,
                                               const std::vector<Counterpart>& counterparts);

// Where a CRD of ours cannot take what upstream's takes: a property upstream's
// schema has that ours lacks or types differently, per version. Descriptions
// and validation bounds are free to differ; this keeps every field a user may
// write accepted with its type.
std::vector<std::string> SchemaGaps(const nlohmann::json& ours_crd, const nlohmann::json& upstream_crd);

// How one case came out.
struct Tally {
  int only_ours = 0;
  int only_upstream = 0;
  int fields_differing = 0;
  int deliberate = 0;  // differences a listed entry explains
  int pending = 0;     // differences a pending entry names
  int counterparts = 0;  // objects of ours compared with one of upstream's under another name
  std::vector<Difference> pending_differences;
  std::vector<Difference> unlisted;
};
// Pairs counterparts, then compares and sorts every difference into listed and unlisted.
Tally Classify(const std::string& case_name, const std::vector<nlohmann::json>& ours,
               const std::vector<nlohmann::json>& upstream, const std::vector<DeliberateDifference>& deliberate,
               const std::vector<Counterpart>& counterparts);

}  // namespace conformance

#endif  // TEST_CONFORMANCE_OBJECT_DIFF_H_
