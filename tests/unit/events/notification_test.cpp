// Notifications and vacation replies in the outbox: destinations, one
// event per mail recipient, and the stored form read back unchanged.
#include "events/notification.hpp"

#include <gtest/gtest.h>

namespace zest::events {
namespace {

TEST(Notification, Destinations) {
  EXPECT_EQ(destination_of(methods::MailPayload{"", {"a@x"}, "m"}), "notify:mail");
  methods::XmppPayload x;
  x.to = "a@x";
  EXPECT_EQ(destination_of(x), "notify:xmpp");
  methods::HttpPayload h;
  h.url = "https://user:pw@Push.Example.NET:8443/hook?x=1";
  EXPECT_EQ(destination_of(h), "notify:https://push.example.net:8443");
  h.url = "http://127.0.0.1:9/x";
  EXPECT_EQ(destination_of(h), "notify:http://127.0.0.1:9");
}

TEST(Notification, MailIsSplitPerRecipientAndRoundTrips) {
  std::string msg = "Subject: caf\xc3\xa9\r\n\r\nbinary \xff\xfe\r\n";
  Outgoing o{false, methods::MailPayload{"owner@x", {"a@x", "b@y"}, msg}, "imap://u@h/INBOX"};
  const auto routed = routed_events("alice", {o});
  ASSERT_EQ(routed.size(), 2u);
  EXPECT_NE(routed[0].event.id, routed[1].event.id);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(routed[i].sink, "notify:mail");
    EXPECT_EQ(routed[i].event.type, kNotifyType);
    EXPECT_EQ(routed[i].event.user, "alice");
    auto back = outgoing_from(routed[i].event.data.dump());
    ASSERT_TRUE(back) << back.error();
    const auto& m = std::get<methods::MailPayload>(back->payload);
    EXPECT_EQ(m.rcpts, std::vector<std::string>{i ? "b@y" : "a@x"});
    EXPECT_EQ(m.message, msg);  // bytes kept, not UTF-8-repaired
    EXPECT_EQ(m.envelope_from, "owner@x");
    EXPECT_EQ(back->method, "mailto");
    EXPECT_EQ(back->imap_url, "imap://u@h/INBOX");
  }
}

TEST(Notification, VacationHttpXmppRoundTrip) {
  methods::HttpPayload h{"https://h/x", "evt_1", "{\"a\":1}", {{"Urgency", "high"}}};
  methods::XmppPayload x{"bob@x", "headline", std::string("subj"), "body", {{"Urgency", "low"}}};
  const auto routed = routed_events(
      "alice",
      {{true, methods::MailPayload{"", {"s@x"}, "m"}, ""}, {false, h, ""}, {false, x, ""}});
  ASSERT_EQ(routed.size(), 3u);
  EXPECT_EQ(routed[0].event.type, kVacationType);
  auto v = outgoing_from(routed[0].event.data.dump());
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->vacation);
  EXPECT_EQ(std::get<methods::MailPayload>(v->payload).envelope_from, "");
  auto hb = outgoing_from(routed[1].event.data.dump());
  ASSERT_TRUE(hb);
  const auto& hp = std::get<methods::HttpPayload>(hb->payload);
  EXPECT_EQ(hp.url, h.url);
  EXPECT_EQ(hp.event_id, "evt_1");
  EXPECT_EQ(hp.body, h.body);
  ASSERT_EQ(hp.headers.size(), 1u);
  EXPECT_EQ(hp.headers[0].value, "high");
  EXPECT_EQ(hb->method, "https");
  auto xb = outgoing_from(routed[2].event.data.dump());
  ASSERT_TRUE(xb);
  const auto& xp = std::get<methods::XmppPayload>(xb->payload);
  EXPECT_EQ(xp.to, "bob@x");
  EXPECT_EQ(xp.type, "headline");
  EXPECT_EQ(xp.subject, std::optional<std::string>("subj"));
  EXPECT_EQ(xp.shim.size(), 1u);
}

TEST(Notification, DamagedDataIsAnError) {
  EXPECT_FALSE(outgoing_from("not json"));
  EXPECT_FALSE(outgoing_from("{}"));
  EXPECT_FALSE(outgoing_from(R"({"payload":{"rcpts":["a"],"message_b64":"***"}})"));
  EXPECT_FALSE(outgoing_from(R"({"payload":{"what":1}})"));
}

}  // namespace
}  // namespace zest::events
