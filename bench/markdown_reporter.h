// MarkdownReporter: Google Benchmark's console output, plus a markdown table
// of every run (time per iteration and the counters) printed at the end.
// RunWithMarkdownTable is the main() of every benchmark binary.
#ifndef BENCH_MARKDOWN_REPORTER_H_
#define BENCH_MARKDOWN_REPORTER_H_

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

namespace bench {

class MarkdownReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      Row row;
      row.name = r.benchmark_name();
      if (r.error_occurred) {
        row.detail = "skipped: " + r.error_message;
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.3f %s", r.GetAdjustedRealTime(), benchmark::GetTimeUnitString(r.time_unit));
        row.time = buf;
        for (const auto& [name, counter] : r.counters) {
          std::snprintf(buf, sizeof buf, "%s=%.4g", name.c_str(), static_cast<double>(counter.value));
          row.detail += (row.detail.empty() ? "" : ", ") + std::string(buf);
        }
      }
      rows_.push_back(row);
    }
  }

  void PrintTable(FILE* out) const {
    std::fprintf(out, "\n| benchmark | time per iteration | measurements |\n|---|---|---|\n");
    for (const auto& r : rows_) std::fprintf(out, "| %s | %s | %s |\n", r.name.c_str(), r.time.c_str(), r.detail.c_str());
  }

 private:
  struct Row {
    std::string name, time, detail;
  };
  std::vector<Row> rows_;
};

// Runs the benchmarks the command line selects and prints the table; 1 on unknown arguments.
inline int RunWithMarkdownTable(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  MarkdownReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintTable(stdout);
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench

#endif  // BENCH_MARKDOWN_REPORTER_H_
