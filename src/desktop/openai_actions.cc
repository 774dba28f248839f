#include "desktop/openai_actions.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

namespace mh::desktop {
namespace {

constexpr int kPixelsPerWheelClick = 100;

Result<Json> Coordinate(const Json& action, const char* x_key = "x", const char* y_key = "y") {
  auto x = action.find(x_key), y = action.find(y_key);
  if (x == action.end() || y == action.end() || !x->is_number() || !y->is_number()) {
    return InvalidArgumentError(std::string("the action needs numbers '") + x_key + "' and '" +
                                y_key + "'");
  }
  return Json::array({std::lround(x->get<double>()), std::lround(y->get<double>())});
}

Result<std::vector<Json>> Click(const Json& action) {
  ASSIGN_OR_RETURN(Json at, Coordinate(action));
  std::string button = action.value("button", "left");
  static const std::map<std::string, std::string> kButtons = {{"left", "left_click"},
                                                              {"right", "right_click"},
                                                              {"middle", "middle_click"},
                                                              {"wheel", "middle_click"}};
  auto found = kButtons.find(button);
  if (found == kButtons.end()) {
    return InvalidArgumentError("click button '" + button +
                                "' is not supported (left, right, middle, wheel)");
  }
  return std::vector<Json>{{{"action", found->second}, {"coordinate", at}}};
}

Result<std::vector<Json>> Drag(const Json& action) {
  auto path = action.find("path");
  if (path == action.end() || !path->is_array() || path->size() < 2) {
    return InvalidArgumentError("drag needs a 'path' of at least two {x, y} points");
  }
  std::vector<Json> steps;
  for (size_t i = 0; i < path->size(); ++i) {
    ASSIGN_OR_RETURN(Json at, Coordinate((*path)[i]));
    steps.push_back({{"action", "mouse_move"}, {"coordinate", at}});
    if (i == 0) steps.push_back({{"action", "left_mouse_down"}});
  }
  steps.push_back({{"action", "left_mouse_up"}});
  return steps;
}

std::string KeyName(std::string key) {
  static const std::map<std::string, std::string> kNames = {{"CTRL", "ctrl"},
                                                            {"CONTROL", "ctrl"},
                                                            {"ALT", "alt"},
                                                            {"SHIFT", "shift"},
                                                            {"META", "super"},
                                                            {"CMD", "super"},
                                                            {"SUPER", "super"},
                                                            {"WIN", "super"},
                                                            {"ENTER", "Return"},
                                                            {"RETURN", "Return"},
                                                            {"ESC", "Escape"},
                                                            {"ESCAPE", "Escape"},
                                                            {"SPACE", "space"},
                                                            {"TAB", "Tab"},
                                                            {"BACKSPACE", "BackSpace"},
                                                            {"DELETE", "Delete"},
                                                            {"UP", "Up"},
                                                            {"DOWN", "Down"},
                                                            {"LEFT", "Left"},
                                                            {"RIGHT", "Right"},
                                                            {"ARROWUP", "Up"},
                                                            {"ARROWDOWN", "Down"},
                                                            {"ARROWLEFT", "Left"},
                                                            {"ARROWRIGHT", "Right"},
                                                            {"PAGEUP", "Page_Up"},
                                                            {"PAGEDOWN", "Page_Down"},
                                                            {"HOME", "Home"},
                                                            {"END", "End"},
                                                            {"INSERT", "Insert"}};
  std::string upper = key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto found = kNames.find(upper);
  if (found != kNames.end()) return found->second;
  // A single letter means the key, not the shifted character.
  if (key.size() == 1) return std::string(1, static_cast<char>(std::tolower(key[0])));
  return key;
}

Result<std::vector<Json>> KeyPress(const Json& action) {
  auto keys = action.find("keys");
  if (keys == action.end() || !keys->is_array() || keys->empty()) {
    return InvalidArgumentError("keypress needs a non-empty 'keys' array");
  }
  std::string chord;
  for (const Json& key : *keys) {
    if (!key.is_string()) return InvalidArgumentError("keypress 'keys' must be strings");
    chord += (chord.empty() ? "" : "+") + KeyName(key.get<std::string>());
  }
  return std::vector<Json>{{{"action", "key"}, {"text", chord}}};
}

Result<std::vector<Json>> Scroll(const Json& action) {
  ASSIGN_OR_RETURN(Json at, Coordinate(action));
  double dx = action.value("scroll_x", 0.0), dy = action.value("scroll_y", 0.0);
  bool vertical = std::abs(dy) >= std::abs(dx);
  double amount = vertical ? dy : dx;
  if (amount == 0) return InvalidArgumentError("scroll needs a non-zero scroll_x or scroll_y");
  std::string direction = vertical ? (amount > 0 ? "down" : "up") : (amount > 0 ? "right" : "left");
  int clicks = std::max(1, static_cast<int>(std::lround(std::abs(amount) / kPixelsPerWheelClick)));
  return std::vector<Json>{{{"action", "scroll"},
                            {"coordinate", at},
                            {"scroll_direction", direction},
                            {"scroll_amount", clicks}}};
}

}  // namespace

Result<std::vector<Json>> TranslateOpenAiAction(const Json& action) {
  if (!action.is_object() || !action.contains("type") || !action["type"].is_string()) {
    return InvalidArgumentError("an OpenAI action must be an object with a string 'type'");
  }
  std::string type = action["type"].get<std::string>();
  if (type == "click") return Click(action);
  if (type == "double_click") {
    ASSIGN_OR_RETURN(Json at, Coordinate(action));
    return std::vector<Json>{{{"action", "double_click"}, {"coordinate", at}}};
  }
  if (type == "drag") return Drag(action);
  if (type == "keypress") return KeyPress(action);
  if (type == "move") {
    ASSIGN_OR_RETURN(Json at, Coordinate(action));
    return std::vector<Json>{{{"action", "mouse_move"}, {"coordinate", at}}};
  }
  if (type == "scroll") return Scroll(action);
  if (type == "type") {
    if (!action.contains("text") || !action["text"].is_string()) {
      return InvalidArgumentError("type needs a string 'text'");
    }
    return std::vector<Json>{{{"action", "type"}, {"text", action["text"]}}};
  }
  if (type == "wait") return std::vector<Json>{{{"action", "wait"}, {"duration", 1}}};
  if (type == "screenshot") return std::vector<Json>{{{"action", "screenshot"}}};
  return InvalidArgumentError("unsupported OpenAI action type '" + type +
                              "' (click, double_click, drag, keypress, move, scroll, type, "
                              "wait, screenshot)");
}

}  // namespace mh::desktop
