// zestd's metrics (metrics/metrics.def), registered in a Registry the
// server owns. Code that counts gets a ZestMetrics* (null = not counting).
#pragma once

#include <string>

#include "metrics/registry.hpp"

namespace zest::metrics {

struct ZestMetrics {
  explicit ZestMetrics(Registry& registry);
#define ZEST_COUNTER(member, name, labels, help) Counter& member;
#define ZEST_GAUGE(member, name, labels, help) Gauge& member;
#define ZEST_HISTOGRAM(member, name, labels, bounds, help) Histogram& member;
#include "metrics/metrics.def"
  bool registered_;  // initialized last (the list above ends with a comma)
};

// The Markdown table of docs/metrics.md (`zestd --metrics-reference`).
std::string metrics_markdown();

}  // namespace zest::metrics
