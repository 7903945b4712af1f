#include "interp/actions.hpp"

#include <algorithm>
#include <array>

#include "base/text.hpp"

namespace zest::interp {
namespace {

constexpr std::array<std::string_view, 5> kSystemFlags = {"\\Answered", "\\Deleted", "\\Draft",
                                                          "\\Flagged", "\\Seen"};

// Local parts are case-sensitive (RFC 5321 §2.4); domains are not.
bool same_address(std::string_view a, std::string_view b) {
  const auto at_a = a.rfind('@'), at_b = b.rfind('@');
  if (a.substr(0, at_a) != b.substr(0, at_b)) return false;
  const auto dom = [](std::string_view s, std::size_t at) {
    return at == std::string_view::npos ? std::string() : base::to_lower(s.substr(at));
  };
  return dom(a, at_a) == dom(b, at_b);
}

}  // namespace

bool valid_flag(std::string_view flag) {
  if (flag.empty()) return false;
  if (flag.front() == '\\') {
    for (auto sys : kSystemFlags)
      if (base::iequals(sys, flag)) return true;
    return false;
  }
  // RFC 3501 §9: ATOM-CHAR is any CHAR except atom-specials.
  for (const char c : flag) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("(){%*\"\\]").find(c) != std::string_view::npos) return false;
  }
  return true;
}

std::vector<std::string> split_valid_flags(const std::vector<std::string>& strings,
                                           std::string* first_invalid) {
  std::vector<std::string> out = split_flags(strings);
  std::erase_if(out, [&](const std::string& f) {
    if (valid_flag(f)) return false;
    if (first_invalid && first_invalid->empty()) *first_invalid = f;
    return true;
  });
  return out;
}

Flags canonical_flags(const std::vector<std::string>& flags) {
  Flags out;
  std::vector<std::string> keys;
  for (const auto& f : flags) {
    if (!valid_flag(f)) continue;  // the last line of defence; callers warn
    std::string canon = f;
    const std::string l = base::to_lower(f);
    for (auto sys : kSystemFlags)
      if (base::to_lower(sys) == l) canon = std::string(sys);
    if (std::find(keys.begin(), keys.end(), l) != keys.end()) continue;
    keys.push_back(l);
    out.push_back(std::move(canon));
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return base::to_lower(a) < base::to_lower(b);
  });
  return out;
}

std::vector<std::string> split_flags(const std::vector<std::string>& strings) {
  std::vector<std::string> out;
  for (const auto& s : strings) {
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && s[i] == ' ') ++i;
      std::size_t j = i;
      while (j < s.size() && s[j] != ' ') ++j;
      if (j > i) out.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

std::string canonical_mailbox(std::string_view mailbox) {
  // Both '/' and Maildir++'s '.' separate hierarchy levels ("Inbox.Junk").
  const std::size_t slash = mailbox.find_first_of("/.");
  std::string_view first = mailbox.substr(0, slash);
  if (base::iequals(first, "inbox")) return "INBOX" + std::string(mailbox.substr(first.size()));
  return std::string(mailbox);
}

std::string_view action_name(const Action& a) {
  static constexpr std::array<std::string_view, 9> names = {
      "keep",     "fileinto", "redirect", "discard", "reject",
      "vacation", "notify",   "report",   "pipe"};
  return names[a.index()];
}

namespace {

std::string with_flags(const Flags& flags) {
  if (flags.empty()) return "";
  std::string out = " with flags";
  for (const auto& f : flags) out += " " + f;
  return out;
}

std::string quoted_text(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (char c : text.substr(0, kMax)) out += (c == '\r' || c == '\n') ? ' ' : c;
  return "'" + out + (text.size() > kMax ? "...'" : "'");
}

struct Describe {
  std::string operator()(const KeepAction& a) const {
    return "store message in default mailbox" + with_flags(a.flags);
  }
  std::string operator()(const FileintoAction& a) const {
    std::string out = "store message in mailbox '" + a.mailbox + "'" + with_flags(a.flags);
    if (a.create) out += ", creating it";
    if (a.copy) out += " (:copy)";
    return out;
  }
  std::string operator()(const RedirectAction& a) const {
    return "forward message to address <" + a.address + ">" + (a.copy ? " (:copy)" : "");
  }
  std::string operator()(const DiscardAction&) const { return "discard message"; }
  std::string operator()(const RejectAction& a) const {
    return "reject message with reason " + quoted_text(a.reason);
  }
  std::string operator()(const VacationAction& a) const {
    std::string out = "send vacation reply " + quoted_text(a.reason);
    if (a.subject) out += " with subject " + quoted_text(*a.subject);
    return out + " (at most once per " + std::to_string(a.seconds) + " s per sender)";
  }
  std::string operator()(const NotifyAction& a) const {
    return "send notification to '" + a.uri + "'" +
           (a.message ? " with message " + quoted_text(*a.message) : "");
  }
  std::string operator()(const ReportAction& a) const {
    return "send " + a.feedback_type + " report to <" + a.address + ">";
  }
  std::string operator()(const PipeAction& a) const {
    std::string out = "pipe message to external program '" + a.program + "'";
    for (const auto& arg : a.args) out += " " + quoted_text(arg);
    if (a.try_) out += " (:try)";
    if (a.copy) out += " (:copy)";
    return out;
  }
};

}  // namespace

std::string describe_action(const Action& a) {
  return std::visit(Describe{}, a);
}

void ActionList::push(Action a) {
  actions_.push_back(std::move(a));
  snapshots_.resize(actions_.size() - 1);
  snapshots_.push_back(edited_);
}

void ActionList::mark_duplicate(DuplicateMark m) {
  for (auto& old : marks_)
    if (old.id == m.id) {
      old.seconds = m.seconds;
      return;
    }
  marks_.push_back(std::move(m));
}

void ActionList::set_edited_message(const mail::Message* base,
                                    std::shared_ptr<const mail::Message> edited) {
  edited_base_ = edited ? base : nullptr;
  edited_ = std::move(edited);
}

std::optional<std::string> ActionList::report(ReportAction r) {
  for (const auto& a : actions_)
    if (const auto* o = std::get_if<ReportAction>(&a); o && o->address == r.address)
      return std::nullopt;  // one report per recipient
  if (auto e = count_one()) return e;
  push(std::move(r));
  return std::nullopt;
}

std::optional<std::string> ActionList::pipe(PipeAction p) {
  for (const auto& a : actions_)
    if (const auto* o = std::get_if<PipeAction>(&a); o && o->program == p.program)
      return "duplicate pipe \"" + p.program + "\" action not allowed";
  if (auto e = count_one()) return e;
  if (!p.copy) implicit_keep_ = false;
  push(std::move(p));
  return std::nullopt;
}

void ActionList::clear() {
  actions_.clear();
  snapshots_.clear();
  marks_.clear();
  edited_base_ = nullptr;
  edited_.reset();
  implicit_keep_ = true;
  redirects_ = 0;
}

std::optional<std::string> ActionList::count_one() {
  if (limits_.max_actions > 0 && actions_.size() >= limits_.max_actions)
    return "total number of actions exceeds policy limit (" + std::to_string(actions_.size()) +
           " > " + std::to_string(limits_.max_actions) + ")";
  return std::nullopt;
}

std::optional<std::string> ActionList::reject_conflict(std::string_view other) const {
  for (const auto& a : actions_)
    if (const auto* r = std::get_if<RejectAction>(&a))
      return std::string(r->ereject ? "ereject" : "reject") + " action conflicts with " +
             std::string(other) + " action";
  return std::nullopt;
}

std::optional<std::string> ActionList::keep(Flags flags, bool from_fileinto) {
  implicit_keep_ = false;
  if (auto e = reject_conflict("keep")) return e;
  for (auto& a : actions_)
    if (auto* k = std::get_if<KeepAction>(&a)) {
      // Duplicates merge; the last flag list wins (RFC 5232 §5); an
      // explicit keep makes the merged action a keep.
      k->flags = canonical_flags(flags);
      k->from_fileinto = k->from_fileinto && from_fileinto;
      return std::nullopt;
    }
  if (auto e = count_one()) return e;
  push(KeepAction{canonical_flags(flags), from_fileinto});
  return std::nullopt;
}

std::optional<std::string> ActionList::fileinto(FileintoAction f) {
  f.mailbox = canonical_mailbox(f.mailbox);
  if (f.mailbox == "INBOX" && !f.specialuse && !f.mailboxid) {
    if (f.copy) {
      // keep with :copy semantics: store in INBOX but leave implicit keep alone.
      const bool ik = implicit_keep_;
      auto e = keep(std::move(f.flags), true);
      implicit_keep_ = ik;
      return e;
    }
    return keep(std::move(f.flags), true);
  }
  if (!f.copy) implicit_keep_ = false;
  if (auto e = reject_conflict("fileinto")) return e;
  f.flags = canonical_flags(f.flags);
  for (auto& a : actions_)
    if (auto* g = std::get_if<FileintoAction>(&a); g && g->mailbox == f.mailbox) {
      g->flags = f.flags;  // the last flag list wins (RFC 5232 §5)
      g->copy = g->copy && f.copy;
      g->create = g->create || f.create;
      return std::nullopt;
    }
  if (auto e = count_one()) return e;
  push(std::move(f));
  return std::nullopt;
}

std::optional<std::string> ActionList::redirect(RedirectAction r) {
  if (!r.copy) implicit_keep_ = false;
  if (auto e = reject_conflict("redirect")) return e;
  for (auto& a : actions_)
    if (auto* g = std::get_if<RedirectAction>(&a); g && same_address(g->address, r.address)) {
      g->copy = g->copy && r.copy;
      return std::nullopt;
    }
  if (limits_.max_redirects > 0 && redirects_ >= limits_.max_redirects)
    return "number of redirect actions exceeds policy limit (" + std::to_string(redirects_) +
           " > " + std::to_string(limits_.max_redirects) + ")";
  if (auto e = count_one()) return e;
  ++redirects_;
  push(std::move(r));
  return std::nullopt;
}

std::optional<std::string> ActionList::discard() {
  implicit_keep_ = false;
  for (const auto& a : actions_)
    if (std::holds_alternative<DiscardAction>(a)) return std::nullopt;
  if (auto e = count_one()) return e;
  push(DiscardAction{});
  return std::nullopt;
}

std::optional<std::string> ActionList::reject(RejectAction r) {
  implicit_keep_ = false;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const Action& a = actions_[i];
    if (i < executed_) {
      if (std::holds_alternative<RejectAction>(a)) return std::nullopt;  // already rejected
      continue;  // what is done cannot conflict any more
    }
    if (std::holds_alternative<RejectAction>(a))
      return "duplicate reject/ereject action not allowed";
    if (std::holds_alternative<KeepAction>(a) || std::holds_alternative<FileintoAction>(a) ||
        std::holds_alternative<RedirectAction>(a) || std::holds_alternative<VacationAction>(a))
      return std::string(r.ereject ? "ereject" : "reject") +
             " action conflicts with other action: " + std::string(action_name(a));
  }
  if (auto e = count_one()) return e;
  push(std::move(r));
  return std::nullopt;
}

std::optional<std::string> ActionList::vacation(VacationAction v) {
  for (const auto& a : actions_) {
    if (std::holds_alternative<VacationAction>(a)) return "duplicate vacation action not allowed";
    if (std::holds_alternative<RejectAction>(a))
      return "vacation action conflicts with reject action";
  }
  if (auto e = count_one()) return e;
  push(std::move(v));
  return std::nullopt;
}

void ActionList::remove_notifications(const std::function<bool(const NotifyAction&)>& cancel) {
  std::vector<Action> kept;
  std::vector<std::shared_ptr<const mail::Message>> kept_snapshots;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const auto* n = std::get_if<NotifyAction>(&actions_[i]);
    if (n && cancel(*n)) continue;
    kept.push_back(std::move(actions_[i]));
    if (i < snapshots_.size()) kept_snapshots.push_back(std::move(snapshots_[i]));
  }
  actions_ = std::move(kept);
  snapshots_ = std::move(kept_snapshots);
}

std::optional<std::string> ActionList::notify(NotifyAction n) {
  for (const auto& a : actions_)
    if (const auto* m = std::get_if<NotifyAction>(&a);
        m && m->uri == n.uri && m->from == n.from && m->importance == n.importance &&
        m->message == n.message && m->options == n.options)
      return std::nullopt;  // identical notifications are sent once
  if (auto e = count_one()) return e;
  push(std::move(n));
  return std::nullopt;
}

}  // namespace zest::interp
