#include "llm/http_transport.h"

#include <strings.h>

namespace mh::llm {

const std::string* HttpResponseHead::Find(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return &h.value;
    }
  }
  return nullptr;
}

}  // namespace mh::llm
