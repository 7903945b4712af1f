#include "delivery/redis_state.hpp"

#include <openssl/evp.h>

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

// Ids hold addresses and subjects: keys carry their digest only.
std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
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
  auto r = run(*redis_, {"SET", duplicate_key(prefix_, user_, id), "1", "NX", "PX", millis(hold)});
  if (!r) return Result<bool>::failure(r.error());
  return r->type == RedisReply::Type::String;  // "OK"; nil when the key was there
}

Status RedisDuplicateStore::release(std::string_view id) {
  return Status::from(run(*redis_, {"DEL", duplicate_key(prefix_, user_, id)}));
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
