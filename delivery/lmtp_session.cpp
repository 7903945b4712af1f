#include "delivery/lmtp_session.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/text.hpp"
#include "delivery/dsn_params.hpp"

namespace zest::delivery {
namespace {

net::Output reply(int code, std::string enhanced, std::string text) {
  return {format_reply({code, std::move(enhanced), std::move(text)})};
}

}  // namespace

std::string format_reply(const LmtpReply& r) {
  std::vector<std::string_view> lines;
  std::string_view text = r.text;
  while (true) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  std::string out;
  const std::string code = std::to_string(r.code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += code;
    out += i + 1 == lines.size() ? ' ' : '-';
    // RFC 2034 §4: every line of a multi-line reply repeats the enhanced code.
    if (!r.enhanced.empty()) out += r.enhanced + " ";
    std::string_view l = lines[i];
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out += l;
    out += "\r\n";
  }
  return out;
}

namespace {

// RFC 5321 §4.1.2 Mailbox: Local-part "@" (Domain / address-literal), with
// RFC 6531 UTF-8 allowed where atext and letters are. The address is later
// copied into header fields and file names, so nothing else passes
// (issue 15.6: "a@b@c", spaces, controls, empty labels).
bool atext(unsigned char c) {
  return std::isalnum(c) || c >= 0x80 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

bool valid_local_part(std::string_view l) {
  if (l.empty()) return false;
  if (l.front() == '"') {
    if (l.size() < 2 || l.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < l.size(); ++i) {
      const auto c = static_cast<unsigned char>(l[i]);
      if (c == '\\') {
        if (++i + 1 >= l.size()) return false;
        const auto q = static_cast<unsigned char>(l[i]);
        if (q < 0x20 || q == 0x7f) return false;
        continue;
      }
      if (c < 0x20 || c == '"' || c == 0x7f) return false;
    }
    return true;
  }
  bool dot_ok = false;
  for (const char ch : l) {
    if (ch == '.') {
      if (!dot_ok) return false;
      dot_ok = false;
      continue;
    }
    if (!atext(static_cast<unsigned char>(ch))) return false;
    dot_ok = true;
  }
  return dot_ok;  // no trailing dot
}

bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 255) return false;
  if (d.front() == '[') {
    if (d.back() != ']' || d.size() < 3) return false;
    for (const char ch : d.substr(1, d.size() - 2)) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x21 || c > 0x7e || ch == '[' || ch == ']' || ch == '\\') return false;
    }
    return true;
  }
  std::size_t label = 0;
  char prev = '.';
  for (const char ch : d) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (std::isalnum(c) || c >= 0x80 || (ch == '-' && label > 0)) {
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = ch;
  }
  return label > 0 && prev != '-';
}

bool valid_mailbox(std::string_view addr) {
  // The local part may be quoted and hold '@': the domain follows the last one.
  const auto at = addr.rfind('@');
  // A local part alone names a local user, as Dovecot's LMTP accepts it.
  if (at == std::string_view::npos) return valid_local_part(addr);
  return valid_local_part(addr.substr(0, at)) && valid_domain(addr.substr(at + 1));
}

}  // namespace

bool parse_path_arg(std::string_view arg, std::string_view keyword, PathArg& out) {
  // "FROM:<a@b> SIZE=1" (RFC 5321 §4.1.1.2); tolerate a space after the colon.
  if (arg.size() < keyword.size() + 1 || base::to_upper(arg.substr(0, keyword.size())) != keyword ||
      arg[keyword.size()] != ':')
    return false;
  arg.remove_prefix(keyword.size() + 1);
  arg = base::trim(arg, " \t");
  if (arg.empty() || arg.front() != '<') return false;
  // The path ends at the first '>' outside a quoted local part.
  bool quoted = false;
  std::size_t end = std::string_view::npos;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == '\\' && quoted) {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == '>' && !quoted) {
      end = i;
      break;
    }
    if (c == '<' && !quoted) return false;
  }
  if (end == std::string_view::npos) return false;
  std::string_view addr = arg.substr(1, end - 1);
  // Drop a source route "@a,@b:" (RFC 5321 §4.1.2 says accept and ignore).
  if (!addr.empty() && addr.front() == '@') {
    const auto colon = addr.find(':');
    if (colon == std::string_view::npos) return false;
    addr.remove_prefix(colon + 1);
  }
  for (unsigned char c : addr)
    if (c < 0x21 && c != ' ') return false;
  // RCPT TO:<Postmaster> (RFC 5321 §4.1.1.3) and the null path need no domain.
  if (!addr.empty() && !base::iequals(addr, "postmaster") && !valid_mailbox(addr)) return false;
  out.address = std::string(addr);
  out.params.clear();
  std::string_view rest = arg.substr(end + 1);
  if (!rest.empty() && rest.front() != ' ') return false;
  while (true) {
    rest = base::trim(rest, " \t");
    if (rest.empty()) break;
    const auto sp = rest.find(' ');
    const std::string_view p = rest.substr(0, sp);
    const auto eq = p.find('=');
    out.params.emplace_back(base::to_upper(p.substr(0, eq)),
                            eq == std::string_view::npos ? "" : std::string(p.substr(eq + 1)));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp);
  }
  return true;
}

LmtpSession::LmtpSession(LmtpBackend& backend, LmtpOptions options, std::string remote,
                         std::string id)
    : backend_(backend), options_(std::move(options)) {
  tx_.remote = std::move(remote);
  tx_.session = std::move(id);
}

std::chrono::seconds LmtpSession::timeout() const {
  return state_ == State::Data ? options_.data_timeout : options_.command_timeout;
}

void LmtpSession::reset_transaction() {
  tx_.from.clear();
  tx_.rcpts.clear();
  tx_.orig_rcpts.clear();
  // Released, not cleared: an idle session keeps no large message's block.
  tx_.data = std::string();
  tx_.declared_size = 0;
  data_bad_ = data_too_big_ = false;
  data_size_ = 0;
  next_rcpt_ = 0;
  data_error_.clear();
  if (state_ != State::Greeting && state_ != State::Closed) state_ = State::Ready;
}

net::Output LmtpSession::greeting() {
  state_ = State::Greeting;
  return reply(220, "", options_.hostname + " zest LMTP ready");
}

void LmtpSession::tls_started() {
  // RFC 3207 §4.2: forget everything learned before TLS.
  options_.tls_active = true;
  tx_.helo.clear();
  reset_transaction();
  state_ = State::Greeting;
}

net::Output LmtpSession::on_timeout() {
  net::Output o = reply(421, "4.4.2", options_.hostname + " Timeout, closing connection");
  o.close = true;
  state_ = State::Closed;
  return o;
}

net::Output LmtpSession::on_overlong_line() {
  if (state_ == State::Data) {
    data_bad_ = true;
    data_error_ = "line too long";
    return {};
  }
  return reply(500, "5.5.2", "Line too long");
}

net::Output LmtpSession::on_line(std::string_view line, bool crlf) {
  if (state_ == State::Closed || state_ == State::Delivering) return {};
  if (state_ == State::Data) return on_data_line(line, crlf);
  if (line.size() > options_.max_command_line) return reply(500, "5.5.2", "Line too long");
  return command(line);
}

net::Output LmtpSession::on_data_line(std::string_view line, bool crlf) {
  // RFC 5321 §4.1.1.4: only CRLF.CRLF ends the data; bare LF or CR inside
  // the data is refused as a whole (SMTP smuggling).
  if (crlf && line == ".") {
    state_ = State::Delivering;
    next_rcpt_ = 0;
    if (data_bad_ || data_too_big_) {
      net::Output o;
      const LmtpReply r = data_too_big_
                              ? LmtpReply{552, "5.3.4", "Message size exceeds fixed maximum"}
                              : LmtpReply{554, "5.6.0", "Message refused: " + data_error_};
      for (std::size_t i = 0; i < tx_.rcpts.size(); ++i) o.bytes += format_reply(r);
      reset_transaction();
      return o;
    }
    net::Output o;
    o.work = true;
    return o;
  }
  if (!crlf || line.find('\r') != std::string_view::npos) {
    data_bad_ = true;
    data_error_ = "bare CR or LF in message data";
  }
  // RFC 5322 §2.3 forbids NUL; C strings in mail readers cut at it, so a
  // message is refused as a whole rather than stored differently from how
  // it is read (docs/security.md).
  if (!data_bad_ && line.find('\0') != std::string_view::npos) {
    data_bad_ = true;
    data_error_ = "NUL in message data";
  }
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);
  data_size_ += line.size() + 2;
  if (data_size_ > options_.max_message_size) data_too_big_ = true;
  if (!data_too_big_ && !data_bad_) {
    tx_.data.append(line);
    tx_.data += '\n';
  }
  return {};
}

net::Output LmtpSession::deliver_next() {
  net::Output o;
  if (state_ != State::Delivering || next_rcpt_ >= tx_.rcpts.size()) return o;
  o.bytes = format_reply(backend_.deliver(tx_, next_rcpt_));
  ++next_rcpt_;
  if (next_rcpt_ < tx_.rcpts.size()) {
    o.work = true;
  } else {
    reset_transaction();
  }
  return o;
}

net::Output LmtpSession::command(std::string_view line) {
  const auto sp = line.find(' ');
  const std::string verb = base::to_upper(line.substr(0, sp));
  const std::string_view arg =
      sp == std::string_view::npos ? "" : base::trim(line.substr(sp + 1), " \t");

  if (verb == "LHLO") return lhlo(arg);
  if (verb == "QUIT") {
    net::Output o = reply(221, "2.0.0", options_.hostname + " closing connection");
    o.close = true;
    state_ = State::Closed;
    return o;
  }
  if (verb == "NOOP") return reply(250, "2.0.0", "OK");
  if (verb == "RSET") {
    reset_transaction();
    return reply(250, "2.0.0", "OK");
  }
  if (verb == "HELO" || verb == "EHLO")
    return reply(500, "5.5.1", "This is an LMTP server: use LHLO");
  if (verb == "VRFY")
    return reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
  if (verb == "STARTTLS") {
    if (!options_.tls_available || options_.tls_active)
      return reply(502, "5.5.1", "STARTTLS not available");
    if (!arg.empty()) return reply(501, "5.5.4", "STARTTLS takes no arguments");
    net::Output o = reply(220, "2.0.0", "Ready to start TLS");
    o.start_tls = true;
    return o;
  }
  if (verb == "MAIL") return mail(arg);
  if (verb == "RCPT") return rcpt(arg);
  if (verb == "DATA") {
    if (!arg.empty()) return reply(501, "5.5.4", "DATA takes no arguments");
    if (state_ != State::Rcpt || tx_.rcpts.empty())
      return reply(503, "5.5.1", "No valid recipients");
    state_ = State::Data;
    // Grown by doubling, a 20 MiB message would briefly take 16 + 32 MiB
    // (peak memory, bench/results/NOTES.md); SIZE counts CRLFs, so it also
    // leaves room for the trace fields the delivery puts in front.
    if (tx_.declared_size > 0) tx_.data.reserve(tx_.declared_size + 1024);
    return reply(354, "", "Start mail input; end with <CRLF>.<CRLF>");
  }
  if (verb == "BDAT" || verb == "EXPN" || verb == "HELP" || verb == "ETRN" || verb == "AUTH")
    return reply(502, "5.5.1", "Command not implemented");
  return reply(500, "5.5.2", "Unrecognized command");
}

net::Output LmtpSession::lhlo(std::string_view arg) {
  if (arg.empty() || arg.find(' ') != std::string_view::npos)
    return reply(501, "5.5.4", "LHLO requires one domain or address literal");
  tx_.helo = std::string(arg);
  reset_transaction();
  state_ = State::Ready;
  // DSN (RFC 3461): its RCPT ORCPT parameter names the original recipient.
  std::string text = options_.hostname + "\nPIPELINING\nENHANCEDSTATUSCODES\n8BITMIME\nDSN\nSIZE " +
                     std::to_string(options_.max_message_size);
  if (options_.tls_available && !options_.tls_active) text += "\nSTARTTLS";
  // RFC 2034 §4: the LHLO (EHLO) reply carries no enhanced code.
  return reply(250, "", text);
}

net::Output LmtpSession::mail(std::string_view arg) {
  if (state_ == State::Greeting) return reply(503, "5.5.1", "Send LHLO first");
  if (state_ != State::Ready) return reply(503, "5.5.1", "Nested MAIL command");
  PathArg p;
  if (!parse_path_arg(arg, "FROM", p)) return reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
  for (const auto& [k, v] : p.params) {
    if (k == "SIZE") {
      std::size_t n = 0;
      const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size())
        return reply(501, "5.5.4", "Bad SIZE parameter");
      if (n > options_.max_message_size)
        return reply(552, "5.3.4", "Message size exceeds fixed maximum");
      tx_.declared_size = n;
    } else if (k == "BODY") {
      const std::string b = base::to_upper(v);
      if (b != "7BIT" && b != "8BITMIME") return reply(501, "5.5.4", "Unsupported BODY type");
    } else if (k == "RET") {  // DSN: the LMTP client builds DSNs from our replies
      if (!valid_ret(v)) return reply(501, "5.5.4", "Bad RET parameter");
    } else if (k == "ENVID") {
      if (!decode_xtext(v) || v.empty() || v.size() > 100)
        return reply(501, "5.5.4", "Bad ENVID parameter");
    } else {
      return reply(555, "5.5.4", "Unsupported parameter " + k);
    }
  }
  tx_.from = p.address;
  state_ = State::Mail;
  return reply(250, "2.1.0", "Sender <" + p.address + "> OK");
}

net::Output LmtpSession::rcpt(std::string_view arg) {
  if (state_ != State::Mail && state_ != State::Rcpt) return reply(503, "5.5.1", "Need MAIL first");
  PathArg p;
  // A refused recipient is told to the hook (the log's rcpt-refused line).
  auto refuse = [&](int code, std::string enhanced, std::string text) -> net::Output {
    const LmtpReply r{code, std::move(enhanced), std::move(text)};
    if (on_rcpt_refused_)
      on_rcpt_refused_(p.address.empty() ? arg : std::string_view(p.address), r);
    return {format_reply(r)};
  };
  if (!parse_path_arg(arg, "TO", p)) return refuse(501, "5.5.4", "Syntax: RCPT TO:<address>");
  std::string orig;
  bool have_notify = false, have_orcpt = false;
  for (const auto& [k, v] : p.params) {
    if (k == "NOTIFY" && !have_notify) {
      if (!valid_notify(v)) return refuse(501, "5.5.4", "Bad NOTIFY parameter");
      have_notify = true;
    } else if (k == "ORCPT" && !have_orcpt) {
      auto o = parse_orcpt(v);
      if (!o || v.size() > 500) return refuse(501, "5.5.4", "Bad ORCPT parameter");
      orig = std::move(*o);
      have_orcpt = true;
    } else if (k == "NOTIFY" || k == "ORCPT") {
      return refuse(501, "5.5.4", "Duplicate " + k + " parameter");
    } else {
      return refuse(555, "5.5.4", "Unsupported parameter " + k);
    }
  }
  if (p.address.empty()) return refuse(501, "5.1.3", "Empty recipient address");
  if (tx_.rcpts.size() >= options_.max_recipients)
    return refuse(452, "4.5.3", "Too many recipients");
  LmtpReply r = backend_.check_recipient(p.address);
  if (r.code != 250) return refuse(r.code, r.enhanced, r.text);
  tx_.rcpts.push_back(p.address);
  tx_.orig_rcpts.push_back(std::move(orig));
  state_ = State::Rcpt;
  if (r.text.empty()) r.text = "<" + p.address + "> OK";
  return {format_reply(r)};
}

}  // namespace zest::delivery
