// metrics/: the registry and its Prometheus text exposition.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/registry.hpp"
#include "metrics/zest_metrics.hpp"

namespace zest::metrics {
namespace {

TEST(Metrics, CounterWithLabels) {
  Registry r;
  auto& c = r.counter("zest_logins_total", "Logins.", {"mechanism", "result"});
  c.inc({"PLAIN", "success"});
  c.inc({"PLAIN", "success"});
  c.inc({"SCRAM-SHA-256", "failure"}, 3);
  EXPECT_EQ(c.value({"PLAIN", "success"}), 2);
  EXPECT_EQ(r.render(),
            "# HELP zest_logins_total Logins.\n"
            "# TYPE zest_logins_total counter\n"
            "zest_logins_total{mechanism=\"PLAIN\",result=\"success\"} 2\n"
            "zest_logins_total{mechanism=\"SCRAM-SHA-256\",result=\"failure\"} 3\n");
}

TEST(Metrics, UnlabelledFamiliesShowZero) {
  Registry r;
  r.counter("a_total", "A.");
  r.gauge("b", "B.");
  const auto text = r.render();
  EXPECT_NE(text.find("\na_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nb 0\n"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  auto& g = r.gauge("g", "Help with \\ and\nnewline.", {"sink"});
  g.set({"a\"b\\c\nd"}, 1.5);
  EXPECT_EQ(r.render(),
            "# HELP g Help with \\\\ and\\nnewline.\n"
            "# TYPE g gauge\n"
            "g{sink=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(Metrics, GaugeAddSetClear) {
  Registry r;
  auto& g = r.gauge("active", "Open.", {"protocol"});
  g.add({"lmtp"}, 1);
  g.add({"lmtp"}, 1);
  g.add({"lmtp"}, -1);
  EXPECT_EQ(g.value({"lmtp"}), 1);
  g.set({"lmtp"}, 7);
  EXPECT_EQ(g.value({"lmtp"}), 7);
  g.clear();
  EXPECT_EQ(g.value({"lmtp"}), 0);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("d_seconds", "D.", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(r.render(),
            "# HELP d_seconds D.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{le=\"0.1\"} 1\n"
            "d_seconds_bucket{le=\"1\"} 2\n"
            "d_seconds_bucket{le=\"+Inf\"} 3\n"
            "d_seconds_sum 5.55\n"
            "d_seconds_count 3\n");
}

TEST(Metrics, CollectorsRunBeforeEachExposition) {
  Registry r;
  auto& g = r.gauge("backlog", "B.", {"sink"});
  int n = 0;
  r.on_collect([&] { g.set({"hook"}, ++n); });
  EXPECT_NE(r.render().find("backlog{sink=\"hook\"} 1\n"), std::string::npos);
  EXPECT_NE(r.render().find("backlog{sink=\"hook\"} 2\n"), std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreCounted) {
  Registry r;
  auto& c = r.counter("c_total", "C.", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) c.inc({"x"});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value({"x"}), 4000);
}

TEST(Metrics, ZestMetricsRegistersEveryFamilyOnce) {
  Registry r;
  ZestMetrics m(r);
  m.deliveries.inc({"delivered"});
  m.delivery_seconds.observe(0.2);
  const auto text = r.render();
  EXPECT_NE(text.find("zest_deliveries_total{result=\"delivered\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("zest_delivery_duration_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE zest_sieve_run_duration_seconds histogram\n"), std::string::npos);
  const auto md = metrics_markdown();
  EXPECT_NE(md.find("| `zest_logins_total` | counter | `mechanism`, `result` |"),
            std::string::npos);
}

}  // namespace
}  // namespace zest::metrics
