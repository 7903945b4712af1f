#include "manage-sieve/sasl.hpp"

#include <gsasl.h>

#include "base/base64.hpp"
#include "base/text.hpp"
#include "store/passwd.hpp"
#include "store/scram.hpp"

namespace zest::managesieve {
namespace {

struct GsaslDeleter {
  void operator()(Gsasl* g) const { gsasl_done(g); }
};
struct SessionDeleter {
  void operator()(Gsasl_session* s) const { gsasl_finish(s); }
};

// What one exchange needs inside the C callback (through the session hook).
struct ExchangeData {
  const CheckedCredentialLookup* lookup = nullptr;
  bool lookup_failed = false;
  std::string mechanism;
  const std::string* secret = nullptr;
};

// Is `stored` "{SCHEME}..." (the scheme in any case)?
bool scheme_is(std::string_view stored, std::string_view scheme) {
  return stored.size() >= scheme.size() + 2 && stored[0] == '{' &&
         base::iequals(stored.substr(1, scheme.size()), scheme) && stored[scheme.size() + 1] == '}';
}

// "{SCRAM-SHA-256}iter,salt,storedkey,serverkey" (Dovecot's form; base64).
// GNU SASL 2 takes the salt and both keys base64-encoded, as stored.
struct ScramKeys {
  std::string iter, salt_b64, stored_b64, server_b64;
};
std::optional<ScramKeys> parse_scram(std::string_view stored) {
  if (!scheme_is(stored, "SCRAM-SHA-256")) return std::nullopt;
  std::string_view rest = stored.substr(std::string_view("{SCRAM-SHA-256}").size());
  std::vector<std::string_view> parts;
  while (true) {
    const auto comma = rest.find(',');
    parts.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (parts.size() != 4) return std::nullopt;
  auto sk = base::base64_decode(parts[2]), vk = base::base64_decode(parts[3]);
  if (!sk || !vk || sk->size() != 32 || vk->size() != 32 || parts[0].empty()) return std::nullopt;
  return ScramKeys{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                   std::string(parts[3])};
}

int callback(Gsasl*, Gsasl_session* sctx, Gsasl_property prop) {
  auto* data = static_cast<ExchangeData*>(gsasl_session_hook_get(sctx));
  if (!data || !data->lookup) return GSASL_NO_CALLBACK;
  const char* authid = gsasl_property_fast(sctx, GSASL_AUTHID);
  if (!authid) return GSASL_NO_CALLBACK;
  auto checked = (*data->lookup)(authid);
  if (!checked) {
    data->lookup_failed = true;
    return GSASL_AUTHENTICATION_ERROR;
  }
  const std::optional<std::string>& stored = checked.value();
  switch (prop) {
    case GSASL_VALIDATE_SIMPLE: {
      const char* authzid = gsasl_property_fast(sctx, GSASL_AUTHZID);
      const char* password = gsasl_property_fast(sctx, GSASL_PASSWORD);
      if (authzid && *authzid && std::string_view(authzid) != authid)
        return GSASL_AUTHENTICATION_ERROR;  // no proxy authorization
      if (!stored || !password) return GSASL_AUTHENTICATION_ERROR;
      return store::verify_password(*stored, password) ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
    }
    case GSASL_PASSWORD:
      if (stored && scheme_is(*stored, "PLAIN")) {
        gsasl_property_set(sctx, GSASL_PASSWORD, stored->substr(7).c_str());
        return GSASL_OK;
      }
      return GSASL_NO_CALLBACK;
    case GSASL_SCRAM_ITER:
    case GSASL_SCRAM_SALT:
    case GSASL_SCRAM_STOREDKEY:
    case GSASL_SCRAM_SERVERKEY: {
      auto keys =
          stored && data->mechanism == "SCRAM-SHA-256" ? parse_scram(*stored) : std::nullopt;
      if (!keys) {
        // Unknown users and users without keys get what a user with keys
        // gets: Dovecot's iteration count and a 16-octet salt, the same on
        // every attempt. The exchange then fails (or, with a {PLAIN}
        // password, succeeds) exactly as before.
        if (prop == GSASL_SCRAM_ITER) {
          gsasl_property_set(sctx, prop, std::to_string(store::kScramIterations).c_str());
          return GSASL_OK;
        }
        if (prop == GSASL_SCRAM_SALT) {
          const std::string salt =
              store::scram_decoy_salt(*data->secret, data->mechanism, store::user_key(authid));
          gsasl_property_set(sctx, prop, salt.c_str());
          return GSASL_OK;
        }
        return GSASL_NO_CALLBACK;
      }
      const std::string& v = prop == GSASL_SCRAM_ITER        ? keys->iter
                             : prop == GSASL_SCRAM_SALT      ? keys->salt_b64
                             : prop == GSASL_SCRAM_STOREDKEY ? keys->stored_b64
                                                             : keys->server_b64;
      gsasl_property_set(sctx, prop, v.c_str());
      return GSASL_OK;
    }
    default:
      return GSASL_NO_CALLBACK;
  }
}

class GsaslExchange final : public SaslExchange {
 public:
  GsaslExchange(std::unique_ptr<Gsasl_session, SessionDeleter> s, std::unique_ptr<ExchangeData> d)
      : session_(std::move(s)), data_(std::move(d)) {
    gsasl_session_hook_set(session_.get(), data_.get());
  }
  Step step(std::optional<std::string_view> client) override {
    Step out;
    char* output = nullptr;
    std::size_t output_len = 0;
    const std::string_view in = client.value_or(std::string_view{});
    const int rc = gsasl_step(session_.get(), in.data(), in.size(), &output, &output_len);
    if (output) {
      out.data.assign(output, output_len);
      gsasl_free(output);
    }
    if (rc == GSASL_NEEDS_MORE) {
      out.status = Step::Status::Continue;
      return out;
    }
    if (rc != GSASL_OK) {
      out.status = Step::Status::Failure;
      out.data.clear();
      out.error = gsasl_strerror(rc);
      out.temporary = data_->lookup_failed;
      return out;
    }
    const char* authid = gsasl_property_fast(session_.get(), GSASL_AUTHID);
    const char* authzid = gsasl_property_fast(session_.get(), GSASL_AUTHZID);
    if (!authid || (authzid && *authzid && std::string_view(authzid) != authid)) {
      out.status = Step::Status::Failure;
      out.data.clear();
      out.error = "authorization identity not allowed";
      return out;
    }
    out.status = Step::Status::Success;
    out.user = authid;
    return out;
  }

 private:
  std::unique_ptr<Gsasl_session, SessionDeleter> session_;
  std::unique_ptr<ExchangeData> data_;
};

class GsaslServer final : public SaslServer {
 public:
  GsaslServer(std::unique_ptr<Gsasl, GsaslDeleter> ctx, CheckedCredentialLookup lookup,
              std::string secret)
      : ctx_(std::move(ctx)), lookup_(std::move(lookup)), secret_(std::move(secret)) {
    gsasl_callback_set(ctx_.get(), callback);
    for (const char* m : {"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"})
      if (gsasl_server_support_p(ctx_.get(), m)) mechs_.emplace_back(m);
  }
  std::vector<std::string> mechanisms() const override { return mechs_; }
  std::unique_ptr<SaslExchange> start(std::string_view mechanism) override {
    const std::string mech = base::to_upper(mechanism);
    bool known = false;
    for (const auto& m : mechs_) known = known || m == mech;
    if (!known) return nullptr;
    Gsasl_session* raw = nullptr;
    if (gsasl_server_start(ctx_.get(), mech.c_str(), &raw) != GSASL_OK) return nullptr;
    std::unique_ptr<Gsasl_session, SessionDeleter> s(raw);
    gsasl_property_set(raw, GSASL_SERVICE, "sieve");
    auto data = std::make_unique<ExchangeData>(ExchangeData{&lookup_, false, mech, &secret_});
    return std::make_unique<GsaslExchange>(std::move(s), std::move(data));
  }

 private:
  std::unique_ptr<Gsasl, GsaslDeleter> ctx_;
  CheckedCredentialLookup lookup_;
  std::string secret_;
  std::vector<std::string> mechs_;
};

}  // namespace

Result<std::unique_ptr<SaslServer>> make_gsasl_server(CredentialLookup lookup, std::string secret) {
  return make_gsasl_server_checked(
      [lookup = std::move(lookup)](std::string_view user) -> Result<std::optional<std::string>> {
        return lookup(user);
      },
      std::move(secret));
}

Result<std::unique_ptr<SaslServer>> make_gsasl_server_checked(CheckedCredentialLookup lookup,
                                                              std::string secret) {
  if (secret.empty()) {
    auto fresh = store::random_secret();
    if (!fresh) return Result<std::unique_ptr<SaslServer>>::failure(fresh.error());
    secret = std::move(*fresh);
  }
  Gsasl* raw = nullptr;
  const int rc = gsasl_init(&raw);
  if (rc != GSASL_OK)
    return Result<std::unique_ptr<SaslServer>>::failure(std::string("GNU SASL: ") +
                                                        gsasl_strerror(rc));
  std::unique_ptr<Gsasl, GsaslDeleter> ctx(raw);
  return std::unique_ptr<SaslServer>(
      std::make_unique<GsaslServer>(std::move(ctx), std::move(lookup), std::move(secret)));
}

}  // namespace zest::managesieve
