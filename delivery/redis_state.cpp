#include "delivery/redis_state.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace zest::delivery {
namespace {

using transport::RedisClient;
using transport::RedisReply;

constexpr std::size_t kMaxIdle = 16;

// Keeps the longest expiry: a mark never shortens a claim or an earlier mark.
constexpr const char* kMarkScript =
    "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then "
    "redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end return 1";

// Counts one notification unless the user is at the limit; the key lives an
// hour from the first one (also when it somehow lost its expiry).
constexpr const char* kRateScript =
    "local n = redis.call('INCR', KEYS[1]) "
    "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "if n > tonumber(ARGV[2]) then redis.call('DECR', KEYS[1]) return 0 end return 1";

// Deletes a claim only while it is still the one this delivery took.
constexpr const char* kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

// One failed login under each key given; each lives the window from now.
constexpr const char* kFailScript =
    "local n = 0 for _, k in ipairs(KEYS) do "
    "local c = redis.call('INCR', k) redis.call('PEXPIRE', k, ARGV[1]) "
    "if c > n then n = c end end return n";

// A session's lease in its address group's set, on the server's clock (the
// nodes' clocks do not matter). Expired members go first. ARGV[2] is the
// limit: > 0, a new member is refused when that many remain; 0, none; -1,
// a renewal: only a member still there is extended (one removed stays so).
// The key outlives its longest lease.
constexpr const char* kLeaseScript =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local lease = tonumber(ARGV[3]) local limit = tonumber(ARGV[2]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
    "local present = redis.call('ZSCORE', KEYS[1], ARGV[1]) "
    "if limit < 0 and not present then return 0 end "
    "if limit > 0 and not present and redis.call('ZCARD', KEYS[1]) >= limit then return 0 end "
    "redis.call('ZADD', KEYS[1], now + lease, ARGV[1]) "
    "if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end "
    "return 1";

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

// The value of one claim: no other delivery's claim has it.
Result<std::string> claim_token() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return Result<std::string>::failure("no random bytes");
  return hex(b, sizeof b);
}

// Ids hold addresses and subjects: keys carry their digest only.
std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

std::string millis(std::chrono::seconds s) {
  return std::to_string(std::chrono::milliseconds(s).count());
}

// One command, connecting first. A pooled connection the server dropped
// while idle fails its first command: that one is sent once more on a new
// connection (a lost claim reply then reads as "claimed", the safe side).
Result<RedisReply> run(RedisClient& redis, const std::vector<std::string>& args) {
  const bool reused = redis.connected();
  if (auto s = redis.connect(); !s) return Result<RedisReply>::failure(s.error());
  auto r = redis.command(args);
  if (r) return r;
  redis.disconnect();
  if (!reused) return r;
  if (auto s = redis.connect(); !s) return Result<RedisReply>::failure(s.error());
  r = redis.command(args);
  if (!r) redis.disconnect();
  return r;
}

}  // namespace

std::string duplicate_key(std::string_view prefix, std::string_view user, std::string_view id) {
  return std::string(prefix) + "dup:" + std::string(user) + ":" + sha256_hex(id);
}

std::string notify_rate_key(std::string_view prefix, std::string_view user) {
  return std::string(prefix) + "rate:notify:" + std::string(user);
}

std::string login_fail_address_key(std::string_view prefix, std::string_view address_group) {
  return std::string(prefix) + "login:fail:addr:" + std::string(address_group);
}

std::string login_fail_user_key(std::string_view prefix, std::string_view user_key) {
  return std::string(prefix) + "login:fail:user:" + std::string(user_key);
}

std::string connection_key(std::string_view prefix, std::string_view address_group) {
  return std::string(prefix) + "conn:managesieve:" + std::string(address_group);
}

Result<RedisReply> RedisPool::command(const std::vector<std::string>& args) {
  auto c = acquire();
  return run(*c, args);
}

std::shared_ptr<RedisClient> RedisPool::acquire() {
  std::unique_ptr<RedisClient> c;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!c) c = std::make_unique<RedisClient>(o_.endpoint, o_.timeout_seconds);
  std::weak_ptr<RedisPool> pool = weak_from_this();
  return std::shared_ptr<RedisClient>(c.release(), [pool](RedisClient* p) {
    if (auto alive = pool.lock())
      alive->give_back(p);
    else
      delete p;
  });
}

void RedisPool::give_back(RedisClient* c) {
  std::unique_ptr<RedisClient> owned(c);
  if (!owned->connected()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(owned));
}

Result<bool> RedisDuplicateStore::seen(std::string_view id) {
  auto r = run(*redis_, {"EXISTS", duplicate_key(prefix_, user_, id)});
  if (!r) return Result<bool>::failure(r.error());
  return r->integer > 0;
}

Status RedisDuplicateStore::mark(std::string_view id, std::chrono::seconds period) {
  return Status::from(
      run(*redis_, {"EVAL", kMarkScript, "1", duplicate_key(prefix_, user_, id), millis(period)}));
}

Result<bool> RedisDuplicateStore::claim(std::string_view id, std::chrono::seconds hold) {
  auto token = claim_token();
  if (!token) return Result<bool>::failure(token.error());
  auto r =
      run(*redis_, {"SET", duplicate_key(prefix_, user_, id), *token, "NX", "PX", millis(hold)});
  if (!r) return Result<bool>::failure(r.error());
  if (r->type != RedisReply::Type::String) return false;  // nil: the key was there
  tokens_.insert_or_assign(std::string(id), std::move(*token));
  return true;  // "OK"
}

Status RedisDuplicateStore::release(std::string_view id) {
  const auto it = tokens_.find(id);
  if (it == tokens_.end()) return Status::success();  // not claimed here: nothing of ours
  auto r =
      run(*redis_, {"EVAL", kReleaseScript, "1", duplicate_key(prefix_, user_, id), it->second});
  if (r) tokens_.erase(it);
  return Status::from(r);
}

bool RedisRateLimiter::allow(std::string_view user, std::int64_t) {
  if (per_hour_ == 0) return true;
  if (!failure_.empty()) return false;  // one failure settles the delivery
  auto r = run(*redis_, {"EVAL", kRateScript, "1", notify_rate_key(prefix_, user),
                         millis(std::chrono::hours(1)), std::to_string(per_hour_)});
  if (!r) {
    failure_ = r.error();
    return false;
  }
  return r->integer == 1;
}

namespace {

std::vector<std::string> failure_keys(std::string_view prefix, std::string_view address_group,
                                      std::string_view user_key) {
  std::vector<std::string> keys{login_fail_address_key(prefix, address_group)};
  if (!user_key.empty()) keys.push_back(login_fail_user_key(prefix, user_key));
  return keys;
}

}  // namespace

Result<long long> RedisSessionCounts::count_failure(std::string_view address_group,
                                                    std::string_view user_key,
                                                    std::chrono::milliseconds window) {
  const auto keys = failure_keys(prefix(), address_group, user_key);
  std::vector<std::string> args{"EVAL", kFailScript, std::to_string(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.push_back(std::to_string(window.count()));
  auto r = pool_->command(args);
  if (!r) return Result<long long>::failure(r.error());
  return r->integer;
}

Result<long long> RedisSessionCounts::failures(std::string_view address_group,
                                               std::string_view user_key) {
  std::vector<std::string> args{"MGET"};
  for (auto& k : failure_keys(prefix(), address_group, user_key)) args.push_back(std::move(k));
  auto r = pool_->command(args);
  if (!r) return Result<long long>::failure(r.error());
  long long n = 0;
  for (const auto& e : r->elements)
    if (e.type == RedisReply::Type::String) n = std::max(n, std::atoll(e.text.c_str()));
  return n;
}

Status RedisSessionCounts::clear_failures(std::string_view address_group,
                                          std::string_view user_key) {
  std::vector<std::string> args{"DEL"};
  for (auto& k : failure_keys(prefix(), address_group, user_key)) args.push_back(std::move(k));
  return Status::from(pool_->command(args));
}

Result<bool> RedisSessionCounts::take_lease(std::string_view address_group, std::string_view member,
                                            std::size_t limit, std::chrono::milliseconds lease) {
  auto r =
      pool_->command({"EVAL", kLeaseScript, "1", connection_key(prefix(), address_group),
                      std::string(member), std::to_string(limit), std::to_string(lease.count())});
  if (!r) return Result<bool>::failure(r.error());
  return r->integer == 1;
}

Status RedisSessionCounts::renew_lease(std::string_view address_group, std::string_view member,
                                       std::chrono::milliseconds lease) {
  return Status::from(
      pool_->command({"EVAL", kLeaseScript, "1", connection_key(prefix(), address_group),
                      std::string(member), "-1", std::to_string(lease.count())}));
}

Status RedisSessionCounts::drop_lease(std::string_view address_group, std::string_view member) {
  return Status::from(
      pool_->command({"ZREM", connection_key(prefix(), address_group), std::string(member)}));
}

UserState RedisState::open(std::string_view user, const store::SieveHome&,
                           std::size_t notify_per_hour) {
  auto redis = pool_->acquire();
  const std::string& prefix = pool_->options().key_prefix;
  UserState s;
  s.duplicates = std::make_shared<RedisDuplicateStore>(redis, prefix, std::string(user));
  s.notify_rate = std::make_unique<RedisRateLimiter>(redis, prefix, notify_per_hour);
  return s;
}

}  // namespace zest::delivery
