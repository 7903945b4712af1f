// The one libcurl wrapper: process-wide initialisation, owned easy and
// multi handles, header lists, and the text of a failed transfer. Every
// libcurl user (SMTP submission, webhooks) goes through it.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace zest::transport {

// curl_global_init for the life of the program: construct one in main()
// before any thread starts (libcurl's initialisation is not thread-safe).
class CurlGlobal {
 public:
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

namespace curl {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
using Multi = std::unique_ptr<CURLM, MultiDeleter>;

// A curl_slist (headers, recipients) that frees itself.
class Slist {
 public:
  void append(const std::string& line);
  curl_slist* get() const { return list_.get(); }

 private:
  struct Deleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  };
  std::unique_ptr<curl_slist, Deleter> list_;
};

// Why a transfer failed: libcurl's detailed message when it wrote one into
// the transfer's error buffer, else the generic text of the code.
std::string error_text(CURLcode rc, const char* errbuf);

}  // namespace curl
}  // namespace zest::transport
