#include "events/sequences.hpp"

#include <vector>

namespace zest::events {
namespace {

constexpr const char* kNextScript =
    "local n = redis.call('INCR', KEYS[1]) local floor = tonumber(ARGV[1]) "
    "if n < floor then redis.call('SET', KEYS[1], ARGV[1]) n = floor end return n";

}  // namespace

std::string sequence_key(std::string_view prefix, std::string_view sink, std::string_view user) {
  return std::string(prefix) + "seq:" + std::string(sink) + ":" + std::string(user);
}

// A kept connection the server dropped while idle fails its first command:
// that one is sent once more on a new connection. Should the first INCR
// have happened (a lost reply), a number is skipped: a gap, never a number
// given twice.
Result<std::int64_t> RedisSequences::next(std::string_view sink, std::string_view user,
                                          std::int64_t floor) {
  using R = Result<std::int64_t>;
  std::lock_guard lock(mu_);
  const std::vector<std::string> incr = {"EVAL", kNextScript, "1",
                                         sequence_key(prefix_, sink, user), std::to_string(floor)};
  auto r = Result<transport::RedisReply>::failure("redis: not tried");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = redis_.connected();
    if (auto s = redis_.connect(); !s) return R::failure(s.error());
    r = redis_.command(incr);
    if (r) break;
    redis_.disconnect();
    if (!reused) break;
  }
  if (!r) return R::failure(r.error());
  if (r->type != transport::RedisReply::Type::Integer || r->integer < 1)
    return R::failure("redis: no sequence number in the reply");
  return r->integer;
}

}  // namespace zest::events
