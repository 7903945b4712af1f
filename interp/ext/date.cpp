// RFC 5260 date: the date and currentdate tests with their date-parts and
// the :zone / :originalzone tags.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/ext/index.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kZone = 16;
constexpr Slot kOriginalZone = 17;

struct DateTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int zone = 0;  // offset from UTC in minutes
};

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

std::int64_t to_epoch(const DateTime& t) {
  return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 +
         t.second - static_cast<std::int64_t>(t.zone) * 60;
}

DateTime from_epoch(std::int64_t secs, int zone) {
  DateTime t;
  const std::int64_t local = secs + static_cast<std::int64_t>(zone) * 60;
  std::int64_t days = local / 86400, rem = local % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem / 60 % 60);
  t.second = static_cast<int>(rem % 60);
  t.zone = zone;
  return t;
}

// The host's local zone offset at that instant.
int local_zone(std::int64_t secs) {
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (!localtime_r(&tt, &tm)) return 0;
  return static_cast<int>(tm.tm_gmtoff / 60);
}

// "+hhmm" / "-hhmm" as in :zone (RFC 5260 §4).
std::optional<int> parse_zone(std::string_view z) {
  if (z.size() != 5 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  for (std::size_t i = 1; i < 5; ++i)
    if (z[i] < '0' || z[i] > '9') return std::nullopt;
  const int h = (z[1] - '0') * 10 + (z[2] - '0'), m = (z[3] - '0') * 10 + (z[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
}

// A small tokenizer over an RFC 5322 date-time, skipping comments.
class DateScanner {
 public:
  explicit DateScanner(std::string_view s) : s_(s) {}
  void skip() { base::skip_cfws(s_, i_); }
  std::string_view word() {
    skip();
    const std::size_t b = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'a' && s_[i_] <= 'z') || (s_[i_] >= 'A' && s_[i_] <= 'Z')))
      ++i_;
    return s_.substr(b, i_ - b);
  }
  std::optional<int> number(std::size_t min_digits, std::size_t max_digits) {
    skip();
    const std::size_t b = i_;
    int v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - b < max_digits)
      v = v * 10 + (s_[i_++] - '0');
    if (i_ - b < min_digits) return std::nullopt;
    if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') return std::nullopt;
    return v;
  }
  std::size_t digits_read(std::size_t from) const { return i_ - from; }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char peek() {
    skip();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  std::size_t pos() const { return i_; }
  bool at_end() {
    skip();
    return i_ >= s_.size();
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// RFC 5322 §3.3 date-time, with the obsolete zone names of §4.3.
std::optional<DateTime> parse_date(std::string_view s) {
  DateScanner sc(s);
  DateTime t;
  if (sc.peek() < '0' || sc.peek() > '9') {
    const std::string day = base::to_lower(sc.word());
    bool known = false;
    for (auto d : kDays) known = known || d == day;
    if (!known || !sc.eat(',')) return std::nullopt;
  }
  auto day = sc.number(1, 2);
  if (!day) return std::nullopt;
  const std::string mon = base::to_lower(sc.word());
  t.month = 0;
  for (int i = 0; i < 12; ++i)
    if (kMonths[i] == mon) t.month = i + 1;
  if (t.month == 0) return std::nullopt;
  sc.skip();
  const std::size_t ystart = sc.pos();
  auto year = sc.number(2, 4);
  if (!year) return std::nullopt;
  const std::size_t ydigits = sc.digits_read(ystart);
  t.year = *year;
  if (ydigits == 2) t.year += t.year < 50 ? 2000 : 1900;
  if (ydigits == 3) t.year += 1900;
  auto hour = sc.number(1, 2);
  if (!hour || !sc.eat(':')) return std::nullopt;
  auto minute = sc.number(1, 2);
  if (!minute) return std::nullopt;
  int second = 0;
  if (sc.eat(':')) {
    auto sec = sc.number(1, 2);
    if (!sec) return std::nullopt;
    second = *sec;
  }
  t.day = *day;
  t.hour = *hour;
  t.minute = *minute;
  t.second = second;
  const char z = sc.peek();
  if (z == '+' || z == '-') {
    sc.eat(z);
    auto off = sc.number(4, 4);
    if (!off || *off % 100 > 59) return std::nullopt;
    t.zone = (z == '-' ? -1 : 1) * (*off / 100 * 60 + *off % 100);
  } else {
    const std::string name = base::to_lower(sc.word());
    if (name == "ut" || name == "gmt" || name == "z" || name.size() == 1) {
      t.zone = 0;  // military zones are unreliable: RFC 5322 says -0000
    } else if (name.size() == 3 && name[2] == 't' &&
               std::string_view("ecmp").find(name[0]) != std::string_view::npos) {
      const int base = name[0] == 'e' ? -5 : name[0] == 'c' ? -6 : name[0] == 'm' ? -7 : -8;
      if (name[1] == 's') {
        t.zone = base * 60;
      } else if (name[1] == 'd') {
        t.zone = (base + 1) * 60;
      } else {
        return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
  }
  const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.day < 1 || t.day > mdays[t.month - 1] || t.hour > 23 || t.minute > 59 || t.second > 60)
    return std::nullopt;
  return t;
}

std::string zone_string(int zone, bool colon) {
  const int a = zone < 0 ? -zone : zone;
  return fmt::format("{}{:02}{}{:02}", zone < 0 ? '-' : '+', a / 60, colon ? ":" : "", a % 60);
}

constexpr std::string_view kParts[] = {"year",  "month",  "day",    "date", "julian",
                                       "hour",  "minute", "second", "time", "iso8601",
                                       "std11", "zone",   "weekday"};

bool known_part(std::string_view p) {
  const std::string l = base::to_lower(p);
  for (auto k : kParts)
    if (k == l) return true;
  return false;
}

std::optional<std::string> date_part(const DateTime& t, std::string_view part) {
  const std::string p = base::to_lower(part);
  const std::int64_t days = days_from_civil(t.year, t.month, t.day);
  const int weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  if (p == "year") return fmt::format("{:04}", t.year);
  if (p == "month") return fmt::format("{:02}", t.month);
  if (p == "day") return fmt::format("{:02}", t.day);
  if (p == "date") return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
  if (p == "julian") return std::to_string(days + 40587);  // MJD of 1970-01-01
  if (p == "hour") return fmt::format("{:02}", t.hour);
  if (p == "minute") return fmt::format("{:02}", t.minute);
  if (p == "second") return fmt::format("{:02}", t.second);
  if (p == "time") return fmt::format("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
  if (p == "iso8601")  // RFC 3339 time-offset: "Z" for UTC, as Pigeonhole prints it
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", t.year, t.month, t.day, t.hour,
                       t.minute, t.second, t.zone == 0 ? "Z" : zone_string(t.zone, true));
  if (p == "std11") {
    std::string mon(kMonths[t.month - 1]), day(kDays[weekday]);
    mon[0] = base::ascii_upper(mon[0]);
    day[0] = base::ascii_upper(day[0]);
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} {}", day, t.day, mon, t.year, t.hour,
                       t.minute, t.second, zone_string(t.zone, false));
  }
  if (p == "zone") return zone_string(t.zone, false);
  if (p == "weekday") return std::to_string(weekday);
  return std::nullopt;
}

// Moves a date into the zone the test asks for: :zone, the local zone by
// default, or the zone it was written in with :originalzone.
std::optional<DateTime> in_zone(Runtime& rt, const Args& a, DateTime t) {
  if (a.has(kOriginalZone)) return t;
  const std::int64_t secs = to_epoch(t);
  if (auto z = rt.string(a, kZone)) {
    auto zone = parse_zone(*z);
    if (!zone) return std::nullopt;
    return from_epoch(secs, *zone);
  }
  return from_epoch(secs, local_zone(secs));
}

// The date in a header field; a Received field carries it after its last ';'.
std::optional<DateTime> field_date(std::string_view name, std::string_view value) {
  if (base::iequals(name, "received")) {
    const auto semi = value.rfind(';');
    if (semi == std::string_view::npos) return std::nullopt;
    value = value.substr(semi + 1);
  }
  return parse_date(value);
}

void check_zone(CheckContext& ctx, CheckedCall& call) {
  const CheckedArg* z = call.find(kZone);
  if (z && z->constant() && !parse_zone(z->str()))
    ctx.warning(z->loc, "specified :zone argument '" + z->str() + "' is not a valid timezone");
  const CheckedArg* part = call.find(call.spec->name == "date" ? 1 : 0);
  if (part && part->constant() && !known_part(part->str()))
    ctx.error(part->loc,
              "specified date part '" + part->str() + "' is not known for " + call.what());
}

}  // namespace

void register_date(Registry& r) {
  r.add_extension({"date"});
  {
    CommandSpec s;
    s.name = "date";
    s.is_test = true;
    s.extension = "date";
    s.positional = {{"header name", ArgKind::String},
                    {"date part", ArgKind::String},
                    {"key list", ArgKind::StringList}};
    s.tags = {{"zone", kZone, ArgKind::String, "zone"}, {"originalzone", kOriginalZone}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      if (call.find(kZone) && call.find(kOriginalZone))
        ctx.error(call.loc,
                  "the :zone and :originalzone tags of " + call.what() + " are mutually exclusive");
      check_zone(ctx, call);
    };
    s.test = [](Runtime& rt, const Args& a) {
      const std::string name = rt.string(*a.find(0));
      const std::string part = rt.string(*a.find(1));
      std::vector<std::string_view> fields = rt.message().header_raw(name);
      select_index(a, fields);
      std::vector<std::string> values;
      for (auto f : fields) {
        auto t = field_date(name, f);
        if (!t) continue;
        auto z = in_zone(rt, a, *t);
        if (!z) continue;
        if (auto v = date_part(*z, part)) values.push_back(std::move(*v));
      }
      return rt.match(a, values, rt.strings(a, 2));
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "currentdate";
    s.is_test = true;
    s.extension = "date";
    s.positional = {{"date part", ArgKind::String}, {"key list", ArgKind::StringList}};
    s.tags = {{"zone", kZone, ArgKind::String, "zone"}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.check = check_zone;
    s.test = [](Runtime& rt, const Args& a) {
      const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      int zone = local_zone(now);
      if (auto z = rt.string(a, kZone)) {
        auto parsed = parse_zone(*z);
        if (!parsed) return false;
        zone = *parsed;
      }
      std::vector<std::string> values;
      if (auto v = date_part(from_epoch(now, zone), rt.string(*a.find(0))))
        values.push_back(std::move(*v));
      return rt.match(a, values, rt.strings(a, 1));
    };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
