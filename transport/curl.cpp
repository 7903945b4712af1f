#include "transport/curl.hpp"

namespace zest::transport::curl {

void Slist::append(const std::string& line) {
  if (curl_slist* l = curl_slist_append(list_.get(), line.c_str())) {
    (void)list_.release();  // `l` is the same list, one longer
    list_.reset(l);
  }
}

std::string error_text(CURLcode rc, const char* errbuf) {
  return errbuf && errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
}

}  // namespace zest::transport::curl
