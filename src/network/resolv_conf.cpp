#include "network/resolv_conf.hpp"

#include <sstream>

namespace asup::network {
namespace {

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1";
}

bool is_ipv4(const std::string& address) {
  return address.find(':') == std::string::npos;
}

std::vector<std::string> words_after(std::istringstream& in) {
  std::vector<std::string> out;
  std::string word;
  while (in >> word) {
    if (word[0] == '#' || word[0] == ';') break;
    out.push_back(word);
  }
  return out;
}

std::string joined(const char* key, const std::vector<std::string>& words) {
  if (words.empty()) return "";
  std::string line = key;
  for (auto& w : words) line += " " + w;
  return line + "\n";
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf out;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string key;
    if (!(in >> key)) continue;
    auto words = words_after(in);
    if (key == "nameserver" && !words.empty()) {
      out.nameservers.push_back(words[0]);
    } else if (key == "search" || key == "domain") {
      // The last of search and domain wins, as the resolver reads them.
      out.search = words;
    } else if (key == "options") {
      out.options.insert(out.options.end(), words.begin(), words.end());
    }
  }
  return out;
}

std::string container_resolv_conf(const ResolvConf& host, const NetOptions& o, ResolverKind kind) {
  std::vector<std::string> search = o.dns_search.empty() ? host.search : o.dns_search;
  // --dns-search . : no search domain at all.
  if (search.size() == 1 && search[0] == ".") search.clear();
  std::vector<std::string> options = o.dns_options.empty() ? host.options : o.dns_options;
  std::string out;
  if (kind == ResolverKind::kEmbedded) {
    out += "nameserver 127.0.0.11\n";
    bool ndots = false;
    for (auto& opt : options) ndots = ndots || opt.rfind("ndots:", 0) == 0;
    // Names of the network are single labels: ask for them as they are first.
    if (!ndots) options.push_back("ndots:0");
  } else if (!o.dns.empty()) {
    for (auto& ns : o.dns) out += "nameserver " + ns + "\n";
  } else {
    // The host's loopback resolvers mean nothing in the container's namespace.
    bool any = false;
    for (auto& ns : host.nameservers) {
      if (is_loopback(ns)) continue;
      out += "nameserver " + ns + "\n";
      any = true;
    }
    // Docker's fallback when nothing is left: public resolvers.
    if (!any) out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  }
  out += joined("search", search);
  out += joined("options", options);
  return out;
}

std::vector<std::string> upstream_nameservers(const ResolvConf& host, const NetOptions& o) {
  std::vector<std::string> out;
  for (auto& ns : o.dns.empty() ? host.nameservers : o.dns)
    if (is_ipv4(ns)) out.push_back(ns);
  return out;
}

}  // namespace asup::network
