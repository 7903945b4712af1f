// XMPP notifications with libstrophe: log in as the configured service
// account over mandatory TLS, send one <message/>, wait until the send
// queue is flushed, disconnect. One short-lived connection per notification.
#include <strophe.h>

#include <chrono>
#include <memory>

#include "transport/notify_transport.hpp"

namespace zest::transport {
namespace {

struct CtxDeleter {
  void operator()(xmpp_ctx_t* c) const { xmpp_ctx_free(c); }
};
struct ConnDeleter {
  void operator()(xmpp_conn_t* c) const { xmpp_conn_release(c); }
};
struct StanzaDeleter {
  void operator()(xmpp_stanza_t* s) const { xmpp_stanza_release(s); }
};
using Stanza = std::unique_ptr<xmpp_stanza_t, StanzaDeleter>;

// libstrophe's process-wide setup (OpenSSL init); done once, never undone.
void ensure_initialized() {
  static const bool done = [] {
    xmpp_initialize();
    return true;
  }();
  (void)done;
}

struct Session {
  xmpp_ctx_t* ctx = nullptr;
  const XmppPayload* payload = nullptr;
  bool connected = false;
  bool sent = false;
  bool finished = false;
  std::string error;
};

Stanza text_element(xmpp_ctx_t* ctx, const char* name, const std::string& text) {
  Stanza el(xmpp_stanza_new(ctx));
  xmpp_stanza_set_name(el.get(), name);
  Stanza t(xmpp_stanza_new(ctx));
  xmpp_stanza_set_text(t.get(), text.c_str());
  xmpp_stanza_add_child(el.get(), t.get());
  return el;
}

void on_connection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                   xmpp_stream_error_t* /*stream_error*/, void* user) {
  auto* s = static_cast<Session*>(user);
  if (event != XMPP_CONN_CONNECT) {
    // An authentication failure arrives as a disconnect without a connect.
    if (!s->connected)
      s->error = error ? "XMPP connection failed (error " + std::to_string(error) + ")"
                       : std::string("XMPP login failed (authentication or TLS)");
    else if (!s->sent)
      s->error = "XMPP connection lost before the message was sent";
    s->finished = true;
    xmpp_stop(s->ctx);
    return;
  }
  s->connected = true;
  const XmppPayload& p = *s->payload;
  char* id = xmpp_uuid_gen(s->ctx);
  Stanza msg(xmpp_message_new(s->ctx, p.type.c_str(), p.to.c_str(), id));
  xmpp_free(s->ctx, id);
  if (p.subject)
    xmpp_stanza_add_child(msg.get(), text_element(s->ctx, "subject", *p.subject).get());
  xmpp_message_set_body(msg.get(), p.body.c_str());
  if (!p.shim.empty()) {
    // XEP-0131 headers: Urgency from :importance, Resent-From (RFC 5437 §2.7).
    Stanza headers(xmpp_stanza_new(s->ctx));
    xmpp_stanza_set_name(headers.get(), "headers");
    xmpp_stanza_set_ns(headers.get(), "http://jabber.org/protocol/shim");
    for (const auto& h : p.shim) {
      Stanza el = text_element(s->ctx, "header", h.value);
      xmpp_stanza_set_attribute(el.get(), "name", h.name.c_str());
      xmpp_stanza_add_child(headers.get(), el.get());
    }
    xmpp_stanza_add_child(msg.get(), headers.get());
  }
  xmpp_send(conn, msg.get());
  s->sent = true;
}

}  // namespace

Status send_xmpp_notification(const XmppPayload& p, const XmppOptions& o) {
  if (o.jid.empty())
    return Status::failure("xmpp notifications are not configured ([notify.xmpp] jid)");
  ensure_initialized();
  std::unique_ptr<xmpp_ctx_t, CtxDeleter> ctx(xmpp_ctx_new(nullptr, nullptr));
  if (!ctx) return Status::failure("xmpp_ctx_new failed");
  std::unique_ptr<xmpp_conn_t, ConnDeleter> conn(xmpp_conn_new(ctx.get()));
  if (!conn) return Status::failure("xmpp_conn_new failed");
  xmpp_conn_set_flags(conn.get(), XMPP_CONN_FLAG_MANDATORY_TLS);
  if (!o.ca_file.empty()) xmpp_conn_set_cafile(conn.get(), o.ca_file.c_str());
  xmpp_conn_set_jid(conn.get(), o.jid.c_str());
  xmpp_conn_set_pass(conn.get(), o.password.c_str());
  Session s;
  s.ctx = ctx.get();
  s.payload = &p;
  if (xmpp_connect_client(conn.get(), o.host.empty() ? nullptr : o.host.c_str(), o.port,
                          on_connection, &s) != XMPP_EOK)
    return Status::failure("cannot connect to the XMPP server");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1L, o.timeout_seconds));
  bool disconnecting = false;
  while (!s.finished && std::chrono::steady_clock::now() < deadline) {
    xmpp_run_once(ctx.get(), 100);
    // Disconnect once the stanza has left our queue.
    if (s.sent && !disconnecting && xmpp_conn_send_queue_len(conn.get()) == 0) {
      disconnecting = true;
      xmpp_disconnect(conn.get());
    }
  }
  if (!s.finished) {
    xmpp_disconnect(conn.get());
    for (int i = 0; i < 10 && !s.finished; ++i) xmpp_run_once(ctx.get(), 50);
    return Status::failure(s.sent ? "XMPP server did not close the session in time"
                                  : "XMPP timeout before the message was sent");
  }
  if (!s.sent) return Status::failure(s.error.empty() ? "XMPP message not sent" : s.error);
  return Status::success();
}

}  // namespace zest::transport
