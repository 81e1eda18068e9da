#include "kube/metrics.h"

#include <gtest/gtest.h>

namespace kube::metrics {
namespace {

TEST(Metrics, RendersTheTextFormat) {
  Registry r;
  r.Counter("requests_total", "Requests.", {"code", "method"}).With({"200", "GET"}).Add(3);
  r.Gauge("depth", "Depth.", {"name"}).With({"we\"ird\\\n"}).Set(2);
  auto& h = r.Histogram("latency_seconds", "Latency.", {"verb"}, {0.1, 1});
  h.With({"GET"}).Observe(0.05);
  h.With({"GET"}).Observe(0.5);
  h.With({"GET"}).Observe(5);
  const std::string out = r.Render();
  EXPECT_NE(out.find("# HELP requests_total Requests.\n# TYPE requests_total counter\n"
                     "requests_total{code=\"200\",method=\"GET\"} 3\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("depth{name=\"we\\\"ird\\\\\\n\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_bucket{verb=\"GET\",le=\"0.10000000000000001\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_bucket{verb=\"GET\",le=\"1\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_bucket{verb=\"GET\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_sum{verb=\"GET\"} 5.5499999999999998\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_count{verb=\"GET\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("process_resident_memory_bytes "), std::string::npos);
}

TEST(Metrics, SameNameGivesTheSameFamily) {
  Registry r;
  r.Counter("c", "C.", {"l"}).With({"x"}).Add(1);
  r.Counter("c", "C.", {"l"}).With({"x"}).Add(1);
  EXPECT_EQ(r.Counter("c", "C.", {"l"}).With({"x"}).Value(), 2);
}

}  // namespace
}  // namespace kube::metrics
