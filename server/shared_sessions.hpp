// [state] backend = "redis": ManageSieve's failed-login counts and its
// sessions per address, shared by every zestd node through the Redis of
// [state] (docs/scale-out.md, "Shared state"; the commands are
// delivery::RedisSessionCounts).
//
// Redis out of reach never stops a login nor a connection and never hangs
// beyond [state] timeout: the caller decides by the node's own counts, one
// `event=state-error` line says what failed, and Redis is not asked again
// for `retry_after` (the factory of sessions runs on the I/O thread: an
// outage must not stall every accept).
//
// A session's place is a lease in `<prefix>conn:managesieve:<group>`
// (member `<node>:<session>`), renewed by a thread of this object every
// lease/3 while the session lives and removed when it ends; the members of
// a node that died expire with their lease.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "delivery/redis_state.hpp"
#include "manage-sieve/login_guard.hpp"

namespace zest::server {

class SharedSessions final : public managesieve::SharedLoginCounts {
 public:
  struct Options {
    std::chrono::milliseconds lease{90000};
    std::chrono::milliseconds retry_after{5000};
  };
  // `node`: this node's name in lease members (unique among the nodes).
  SharedSessions(delivery::RedisStateOptions redis, std::string node,
                 std::function<void(std::string_view)> log, Options o);
  SharedSessions(delivery::RedisStateOptions redis, std::string node,
                 std::function<void(std::string_view)> log)
      : SharedSessions(std::move(redis), std::move(node), std::move(log), Options{}) {}
  ~SharedSessions() override;
  SharedSessions(const SharedSessions&) = delete;
  SharedSessions& operator=(const SharedSessions&) = delete;

  Result<unsigned> failed(std::string_view address_group, std::string_view user_key,
                          std::chrono::milliseconds window) override;
  Status succeeded(std::string_view address_group, std::string_view user_key) override;
  Result<unsigned> failures(std::string_view address_group, std::string_view user_key) override;

  // A place for `session` among the group's sessions of all nodes: false
  // when `limit` are taken; a failure when Redis did not answer (decide by
  // the node's own count).
  Result<bool> take_lease(std::string_view address_group, std::string_view session,
                          std::size_t limit);
  // The session ended (a lease not held is nothing).
  void drop_lease(std::string_view address_group, std::string_view session);

 private:
  template <class T, class F>
  Result<T> guarded(std::string_view op, F&& f);
  void renew_loop();
  std::string member(std::string_view session) const { return node_ + ":" + std::string(session); }

  delivery::RedisSessionCounts redis_;
  std::string node_;
  std::function<void(std::string_view)> log_;
  Options options_;
  std::atomic<std::int64_t> quiet_until_{0};  // steady-clock ms: Redis not asked before
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::string> leases_;  // member -> address group
  std::thread renewer_;
};

}  // namespace zest::server
