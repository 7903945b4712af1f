// The result of one script run: the actions to carry out, with the RFC 5228
// §4 rules (implicit keep, duplicate merging, limits, conflicts) applied as
// actions are added.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zest::interp {

// IMAP flags in canonical form: system flags capitalised, duplicates
// removed case-insensitively, sorted by the lower-cased form.
using Flags = std::vector<std::string>;
Flags canonical_flags(const std::vector<std::string>& flags);
// Flag list arguments may hold several space-separated flags per string.
std::vector<std::string> split_flags(const std::vector<std::string>& strings);

struct KeepAction {
  Flags flags;
};
struct FileintoAction {
  std::string mailbox;
  Flags flags;
  bool copy = false;
  bool create = false;
  std::optional<std::string> specialuse;
  std::optional<std::string> mailboxid;
};
struct RedirectAction {
  std::string address;
  bool copy = false;
};
struct DiscardAction {};
struct RejectAction {
  std::string reason;
  bool ereject = false;
};
struct VacationAction {
  std::uint64_t seconds = 0;
  std::optional<std::string> subject;
  std::optional<std::string> from;
  std::optional<std::string> handle;
  std::string reason;
  std::vector<std::string> addresses;
  bool mime = false;
};
struct NotifyAction {
  std::string uri;
  std::string method;
  int importance = 2;
  std::optional<std::string> from;
  std::optional<std::string> message;
  std::vector<std::string> options;
};

using Action = std::variant<KeepAction, FileintoAction, RedirectAction, DiscardAction, RejectAction,
                            VacationAction, NotifyAction>;

std::string_view action_name(const Action& a);

struct ActionLimits {
  std::size_t max_actions = 32;
  std::size_t max_redirects = 4;
};

// "INBOX" in any case as the first hierarchy component is written INBOX.
std::string canonical_mailbox(std::string_view mailbox);

class ActionList {
 public:
  explicit ActionList(ActionLimits limits = {}) : limits_(limits) {}

  // Each returns an error message when the action cannot be added (a limit
  // or a conflict): the caller turns that into a run-time error.
  std::optional<std::string> keep(Flags flags);
  std::optional<std::string> fileinto(FileintoAction a);
  std::optional<std::string> redirect(RedirectAction a);
  std::optional<std::string> discard();
  std::optional<std::string> reject(RejectAction a);
  std::optional<std::string> vacation(VacationAction a);
  std::optional<std::string> notify(NotifyAction a);

  // The draft notify's denotify: drops the notify actions `cancel` selects.
  void remove_notifications(const std::function<bool(const NotifyAction&)>& cancel);

  const std::vector<Action>& actions() const { return actions_; }
  bool implicit_keep() const { return implicit_keep_; }
  void clear();

 private:
  std::optional<std::string> count_one();
  std::optional<std::string> reject_conflict(std::string_view other) const;
  ActionLimits limits_;
  std::vector<Action> actions_;
  bool implicit_keep_ = true;
  std::size_t redirects_ = 0;
};

}  // namespace zest::interp
