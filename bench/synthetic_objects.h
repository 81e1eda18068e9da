// Synthetic but realistic Node and Pod JSON for benchmarks: the labels,
// annotations, managed fields, conditions and images of a real cluster's
// objects, so decode and cache numbers mean something.
#ifndef BENCH_SYNTHETIC_OBJECTS_H_
#define BENCH_SYNTHETIC_OBJECTS_H_

#include <string>

namespace bench {

std::string NodeJson(int i);
std::string PodJson(int i);
// A LIST response body with `count` items made by `item`.
std::string ListJson(const char* kind, int count, std::string (*item)(int));

}  // namespace bench

#endif  // BENCH_SYNTHETIC_OBJECTS_H_
