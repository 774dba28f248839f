// OpenAI computer-use actions, translated to the computer tool's own (Anthropic
// computer_20250124) actions. Pure; thread-safe.
//
//   click{x,y,button}        -> left_click / right_click / middle_click at [x,y]
//   double_click{x,y}        -> double_click
//   drag{path:[{x,y}...]}    -> mouse_move, left_mouse_down, mouse_move..., left_mouse_up
//   keypress{keys:[...]}     -> key "ctrl+s" (names mapped: CTRL->ctrl, ENTER->Return...)
//   move{x,y}                -> mouse_move
//   scroll{x,y,scroll_x,scroll_y} -> scroll at [x,y]; one wheel click per 100 pixels
//   type{text}, wait, screenshot -> type, wait (1 s), screenshot
#pragma once

#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace mh::desktop {

// Errors: kInvalidArgument naming the field that is missing or wrong, or the action
// type that is not supported (with the list of supported ones).
Result<std::vector<Json>> TranslateOpenAiAction(const Json& action);

}  // namespace mh::desktop
