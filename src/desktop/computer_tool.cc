#include "desktop/computer_tool.h"

#include <cmath>
#include <functional>
#include <map>
#include <thread>

#include "desktop/openai_actions.h"

namespace mh::desktop {
namespace {

using tools::ToolResult;

// What one action did: a line for the model, and whether to show the screen.
struct Outcome {
  std::string text;
  bool screenshot = true;
  std::string image;  // PNG shown instead of a screenshot (zoom).
};

Outcome Did(std::string text, bool screenshot = true, std::string image = {}) {
  return Outcome{std::move(text), screenshot, std::move(image)};
}

Json Schema() {
  Json point = {
      {"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 2}, {"maxItems", 2}};
  return {
      {"type", "object"},
      {"properties",
       {{"action",
         {{"type", Json::array({"string", "object"})},
          {"description",
           "key, hold_key, type, cursor_position, mouse_move, left_mouse_down, "
           "left_mouse_up, left_click, right_click, middle_click, double_click, "
           "triple_click, left_click_drag, scroll, wait, screenshot, zoom, launch; or an "
           "OpenAI computer-use action object {type: click|double_click|drag|keypress|"
           "move|scroll|type|wait|screenshot, ...}"}}},
        {"coordinate", point},
        {"start_coordinate", point},
        {"text", {{"type", "string"}}},
        {"scroll_direction", {{"type", "string"}, {"enum", {"up", "down", "left", "right"}}}},
        {"scroll_amount", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}},
        {"duration", {{"type", "number"}, {"minimum", 0}}},
        {"region",
         {{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 4}, {"maxItems", 4}}},
        {"argv", {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1}}}}},
      {"required", {"action"}}};
}

class ComputerTool final : public tools::Tool {
 public:
  explicit ComputerTool(ComputerToolOptions options)
      : options_(std::move(options)), parameters_(Schema()) {
    const Size size = options_.session.display.size;
    Size model = ScaledSize(size, options_.session.scale);
    description_ =
        "Use a graphical desktop (an X display of " + std::to_string(model.width) + "x" +
        std::to_string(model.height) +
        " pixels as you see it): take screenshots, move and click the mouse, drag, scroll, "
        "press keys (xdotool names such as ctrl+s, Return, alt+F4), type text, zoom into a "
        "region, and launch programs on it with action=launch and argv.";
  }

  const std::string& name() const override { return name_; }
  const std::string& description() const override { return description_; }
  const Json& parameters() const override { return parameters_; }

  ToolResult Run(const Json& args, tools::ToolContext& ctx) const override {
    Result<DesktopSession*> session = SessionFor(ctx);
    if (!session.ok()) return ToolResult::Error("computer: " + session.error().message());
    ToolResult result = RunActions(args, **session, ctx);
    std::string png = result.images.empty() ? "" : result.images.back().data;
    (*session)->Record(args, result, png);
    return result;
  }

 private:
  Result<DesktopSession*> SessionFor(tools::ToolContext& ctx) const {
    auto* session = ctx.resources().Get<DesktopSession>(kDesktopResource);
    if (session != nullptr) {
      if (session->desktop().broken()) RETURN_IF_ERROR(session->Reconnect());
      return session;
    }
    ASSIGN_OR_RETURN(auto started, DesktopSession::Start(options_.session));
    return ctx.resources().Put(kDesktopResource, std::move(started));
  }

  ToolResult RunActions(const Json& args, DesktopSession& session, tools::ToolContext& ctx) const {
    std::vector<Json> steps;
    if (args["action"].is_object()) {
      Result<std::vector<Json>> translated = TranslateOpenAiAction(args["action"]);
      if (!translated.ok()) return ToolResult::Error("computer: " + translated.error().message());
      steps = std::move(*translated);
    } else {
      steps.push_back(args);
    }
    Outcome outcome;
    std::string text;
    for (const Json& step : steps) {
      Result<Outcome> done = RunAction(step, session, ctx);
      if (!done.ok()) return ToolResult::Error("computer: " + done.error().message());
      outcome = std::move(*done);
      text += (text.empty() ? "" : "; ") + outcome.text;
    }
    ToolResult result = ToolResult::Text(text);
    if (!outcome.image.empty()) {
      result.images.push_back({"image/png", std::move(outcome.image)});
    } else if (outcome.screenshot) {
      Result<bool> settled = session.desktop().Settle();
      Result<std::string> png =
          settled.ok() ? session.ScreenshotPng() : Result<std::string>(settled.status());
      if (!png.ok()) return ToolResult::Error("computer: " + text + "; " + png.error().message());
      if (!*settled) result.text += " (the screen was still changing after the wait)";
      result.images.push_back({"image/png", std::move(*png)});
    }
    return result;
  }

  Result<Outcome> RunAction(const Json& args, DesktopSession& session,
                            tools::ToolContext& ctx) const;

  std::string name_ = "computer";
  std::string description_;
  ComputerToolOptions options_;
  Json parameters_;
};

// Helpers for reading validated arguments.
Result<Point> ModelPoint(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end()) return InvalidArgumentError(std::string("'") + key + "' is required");
  return Point{(*it)[0].get<int>(), (*it)[1].get<int>()};
}

Result<Point> ScreenPoint(const Json& args, const char* key, const Scaler& scaler) {
  ASSIGN_OR_RETURN(Point model, ModelPoint(args, key));
  return scaler.ToScreen(model);
}

std::string Describe(Point p) {
  return "[" + std::to_string(p.x) + ", " + std::to_string(p.y) + "]";
}

Result<std::string> TextArg(const Json& args) {
  auto it = args.find("text");
  if (it == args.end() || it->get<std::string>().empty()) {
    return InvalidArgumentError("'text' is required for " + args["action"].get<std::string>());
  }
  return it->get<std::string>();
}

// The modifier keys of a click or scroll ("shift", "ctrl+alt"), as one chord.
Result<KeyChord> Modifiers(const Json& args) {
  std::string text = args.value("text", "");
  if (text.empty()) return KeyChord{};
  ASSIGN_OR_RETURN(std::vector<KeyChord> chords, ParseKeys(text));
  KeyChord all;
  for (const KeyChord& chord : chords) all.insert(all.end(), chord.begin(), chord.end());
  return all;
}

struct ActionContext {
  const Json& args;
  DesktopSession& session;
  tools::ToolContext& ctx;
  const ComputerToolOptions& options;
  Desktop& desktop() { return session.desktop(); }
  const Scaler& scaler() { return session.scaler(); }
};

using ActionFn = std::function<Result<Outcome>(ActionContext&)>;

// Moves to `coordinate` when given (optional for button and scroll actions).
Result<std::string> MoveIfGiven(ActionContext& a) {
  if (!a.args.contains("coordinate")) return std::string();
  ASSIGN_OR_RETURN(Point p, ScreenPoint(a.args, "coordinate", a.scaler()));
  RETURN_IF_ERROR(a.desktop().MoveMouse(p));
  return " at " + Describe(a.scaler().ToModel(p));
}

ActionFn ClickAction(MouseButton button, int count, std::string what) {
  return [button, count, what](ActionContext& a) -> Result<Outcome> {
    ASSIGN_OR_RETURN(KeyChord modifiers, Modifiers(a.args));
    ASSIGN_OR_RETURN(std::string where, MoveIfGiven(a));
    RETURN_IF_ERROR(a.desktop().Click(button, count, modifiers));
    return Did(what + where);
  };
}

ActionFn ButtonAction(bool down) {
  return [down](ActionContext& a) -> Result<Outcome> {
    ASSIGN_OR_RETURN(std::string where, MoveIfGiven(a));
    RETURN_IF_ERROR(down ? a.desktop().ButtonDown(MouseButton::kLeft)
                         : a.desktop().ButtonUp(MouseButton::kLeft));
    return Did(std::string(down ? "pressed" : "released") + " the left button" + where);
  };
}

Result<Outcome> MouseMove(ActionContext& a) {
  ASSIGN_OR_RETURN(Point p, ScreenPoint(a.args, "coordinate", a.scaler()));
  RETURN_IF_ERROR(a.desktop().MoveMouse(p));
  return Did("moved the mouse to " + Describe(a.scaler().ToModel(p)));
}

Result<Outcome> ClickDrag(ActionContext& a) {
  ASSIGN_OR_RETURN(Point from, ScreenPoint(a.args, "start_coordinate", a.scaler()));
  ASSIGN_OR_RETURN(Point to, ScreenPoint(a.args, "coordinate", a.scaler()));
  RETURN_IF_ERROR(a.desktop().Drag(from, to));
  return Did("dragged from " + Describe(a.scaler().ToModel(from)) + " to " +
             Describe(a.scaler().ToModel(to)));
}

Result<Outcome> ScrollAction(ActionContext& a) {
  static const std::map<std::string, ScrollDirection> kDirections = {
      {"up", ScrollDirection::kUp},
      {"down", ScrollDirection::kDown},
      {"left", ScrollDirection::kLeft},
      {"right", ScrollDirection::kRight}};
  auto direction = kDirections.find(a.args.value("scroll_direction", ""));
  if (direction == kDirections.end()) {
    return InvalidArgumentError("scroll needs scroll_direction: up, down, left or right");
  }
  int amount = a.args.value("scroll_amount", 3);
  ASSIGN_OR_RETURN(KeyChord modifiers, Modifiers(a.args));
  ASSIGN_OR_RETURN(std::string where, MoveIfGiven(a));
  RETURN_IF_ERROR(a.desktop().Scroll(direction->second, amount, modifiers));
  return Did("scrolled " + direction->first + " " + std::to_string(amount) + where);
}

Result<Outcome> KeyAction(ActionContext& a) {
  ASSIGN_OR_RETURN(std::string text, TextArg(a.args));
  ASSIGN_OR_RETURN(std::vector<KeyChord> chords, ParseKeys(text));
  RETURN_IF_ERROR(a.desktop().PressKeys(chords));
  return Did("pressed " + text);
}

Result<std::chrono::milliseconds> Duration(ActionContext& a, double fallback) {
  double seconds = a.args.value("duration", fallback);
  if (seconds > a.options.max_duration_seconds) {
    return InvalidArgumentError("duration must be at most " +
                                std::to_string(static_cast<int>(a.options.max_duration_seconds)) +
                                " seconds");
  }
  return std::chrono::milliseconds(std::lround(seconds * 1000));
}

Result<Outcome> HoldKey(ActionContext& a) {
  ASSIGN_OR_RETURN(std::string text, TextArg(a.args));
  ASSIGN_OR_RETURN(std::vector<KeyChord> chords, ParseKeys(text));
  ASSIGN_OR_RETURN(std::chrono::milliseconds duration, Duration(a, 1));
  KeyChord all;
  for (const KeyChord& chord : chords) all.insert(all.end(), chord.begin(), chord.end());
  RETURN_IF_ERROR(a.desktop().KeysDown(all));
  std::this_thread::sleep_for(duration);  // The hold itself is what was asked for.
  RETURN_IF_ERROR(a.desktop().KeysUp(all));
  return Did("held " + text + " for " + std::to_string(duration.count()) + " ms");
}

Result<Outcome> TypeAction(ActionContext& a) {
  ASSIGN_OR_RETURN(std::string text, TextArg(a.args));
  RETURN_IF_ERROR(a.desktop().Type(text));
  return Did("typed " + std::to_string(DecodeUtf8(text)->size()) + " characters");
}

Result<Outcome> Wait(ActionContext& a) {
  ASSIGN_OR_RETURN(std::chrono::milliseconds duration, Duration(a, 1));
  std::this_thread::sleep_for(duration);
  return Did("waited " + std::to_string(duration.count()) + " ms");
}

Result<Outcome> CursorPositionAction(ActionContext& a) {
  ASSIGN_OR_RETURN(Point p, a.desktop().CursorPosition());
  Point model = a.scaler().ToModel(p);
  return Did("X=" + std::to_string(model.x) + ",Y=" + std::to_string(model.y), false);
}

Result<Outcome> Zoom(ActionContext& a) {
  auto region = a.args.find("region");
  if (region == a.args.end()) return InvalidArgumentError("zoom needs region [x1, y1, x2, y2]");
  Size model = a.scaler().model(), screen = a.scaler().screen();
  int x1 = (*region)[0], y1 = (*region)[1], x2 = (*region)[2], y2 = (*region)[3];
  if (x1 < 0 || y1 < 0 || x2 > model.width || y2 > model.height || x1 >= x2 || y1 >= y2) {
    return InvalidArgumentError(
        "zoom region must satisfy 0 <= x1 < x2 <= " + std::to_string(model.width) +
        " and 0 <= y1 < y2 <= " + std::to_string(model.height));
  }
  auto to_screen = [](int v, int from, int to) {
    return static_cast<int>(std::lround(static_cast<double>(v) * to / from));
  };
  RETURN_IF_ERROR(a.desktop().Settle().status());
  ASSIGN_OR_RETURN(Image full, a.desktop().Capture());
  ASSIGN_OR_RETURN(Image part, Crop(full, to_screen(x1, model.width, screen.width),
                                    to_screen(y1, model.height, screen.height),
                                    to_screen(x2, model.width, screen.width),
                                    to_screen(y2, model.height, screen.height)));
  // Shown as large as the screenshot box allows, keeping its shape.
  double factor = std::min(static_cast<double>(model.width) / part.width,
                           static_cast<double>(model.height) / part.height);
  Size shown{std::max(1, static_cast<int>(part.width * factor)),
             std::max(1, static_cast<int>(part.height * factor))};
  ASSIGN_OR_RETURN(std::string png, EncodePng(Resize(part, shown)));
  return Did("zoomed into [" + std::to_string(x1) + ", " + std::to_string(y1) + ", " +
                 std::to_string(x2) + ", " + std::to_string(y2) + "]",
             false, std::move(png));
}

Result<Outcome> Launch(ActionContext& a) {
  auto argv = a.args.find("argv");
  if (argv == a.args.end()) return InvalidArgumentError("launch needs argv, e.g. [\"xterm\"]");
  std::vector<std::string> command = argv->get<std::vector<std::string>>();
  RETURN_IF_ERROR(a.session.Launch(command, a.ctx));
  return Did("launched " + command[0] + " on display " + a.session.display().name());
}

const std::map<std::string, ActionFn>& Actions() {
  static const auto* actions = new std::map<std::string, ActionFn>{
      {"screenshot", [](ActionContext&) -> Result<Outcome> { return Did("screenshot"); }},
      {"mouse_move", MouseMove},
      {"left_click", ClickAction(MouseButton::kLeft, 1, "left click")},
      {"right_click", ClickAction(MouseButton::kRight, 1, "right click")},
      {"middle_click", ClickAction(MouseButton::kMiddle, 1, "middle click")},
      {"double_click", ClickAction(MouseButton::kLeft, 2, "double click")},
      {"triple_click", ClickAction(MouseButton::kLeft, 3, "triple click")},
      {"left_mouse_down", ButtonAction(true)},
      {"left_mouse_up", ButtonAction(false)},
      {"left_click_drag", ClickDrag},
      {"scroll", ScrollAction},
      {"key", KeyAction},
      {"hold_key", HoldKey},
      {"type", TypeAction},
      {"wait", Wait},
      {"cursor_position", CursorPositionAction},
      {"zoom", Zoom},
      {"launch", Launch},
  };
  return *actions;
}

Result<Outcome> ComputerTool::RunAction(const Json& args, DesktopSession& session,
                                        tools::ToolContext& ctx) const {
  std::string name = args["action"].get<std::string>();
  auto action = Actions().find(name);
  if (action == Actions().end()) {
    std::string names;
    for (const auto& [known, fn] : Actions()) names += (names.empty() ? "" : ", ") + known;
    return InvalidArgumentError("unknown action '" + name + "' (one of " + names + ")");
  }
  ActionContext a{args, session, ctx, options_};
  return action->second(a);
}

}  // namespace

std::unique_ptr<tools::Tool> NewComputerTool(ComputerToolOptions options) {
  return std::make_unique<ComputerTool>(std::move(options));
}

}  // namespace mh::desktop
