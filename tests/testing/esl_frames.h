// FreeSWITCH event-socket input for the freeswitch bridge's tests: plain events framed as
// mod_event_socket sends them, mod_callcenter events, and the example events of the
// documentation page in ../shared/data/freeswitch-callcenter.
//
// Header-only, no state; used by tests/unit/bridges/freeswitch_*_test.cc and
// tests/integration/freeswitch_bridge_test.cc.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace ccmon::testing {

// How mod_event_socket sends one plain event: `body` is the event's headers, each ending in "\n",
// and the "\n" that ends them.
inline std::string EslEventFrame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-plain\n\n" +
         body;
}

// A CUSTOM callcenter::info event whose headers, after the name and subclass, are `fields`
// ("CC-Action: member-queue-start\nCC-Queue: q\n…", each line ending in "\n").
inline std::string CallcenterEventFrame(const std::string& fields) {
  return EslEventFrame("Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\n" + fields +
                       "\n");
}

// The example events of the documentation page: paragraphs (separated by blank lines) whose every
// line is "Key: Value" and which have an Event-Name, byte for byte, each ending in the "\n" that
// ends a plain event's headers; the prose around them is not.
inline std::vector<std::string> DocumentedEslEvents(const std::string& page) {
  std::vector<std::string> events;
  std::vector<std::string> paragraph;
  std::istringstream in(page);
  std::string line;
  const auto flush = [&] {
    bool all_headers = !paragraph.empty();
    bool has_name = false;
    for (const std::string& l : paragraph) {
      const std::size_t colon = l.find(": ");
      if (colon == std::string::npos || colon == 0 ||
          l.substr(0, colon).find(' ') != std::string::npos) {
        all_headers = false;
      }
      if (l.rfind("Event-Name:", 0) == 0) has_name = true;
    }
    if (all_headers && has_name) {
      std::string body;
      for (const std::string& l : paragraph) body += l + "\n";
      events.push_back(body + "\n");
    }
    paragraph.clear();
  };
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      flush();
    } else {
      paragraph.push_back(line);
    }
  }
  flush();
  return events;
}

}  // namespace ccmon::testing
