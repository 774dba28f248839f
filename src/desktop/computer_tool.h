// The `computer` tool: a desktop for the agent, compatible with Anthropic's
// computer_20250124 actions plus zoom, and with OpenAI's computer-use actions.
//
// Arguments (Anthropic names): action, coordinate [x,y], text, scroll_direction,
// scroll_amount, duration, start_coordinate, region [x1,y1,x2,y2], and argv for the
// extra action `launch`, which starts a program on the display (in the session's
// sandbox). An OpenAI action is given as the `action` object itself
// ({"action": {"type": "click", "x": 10, "y": 20}}), see openai_actions.h.
//
// The display is a session resource ("desktop"), started on the first call and
// reused by later calls of the session. Coordinates are in the scaled screenshot's
// pixels; out-of-range coordinates are an error result. Each action that changes the
// screen waits for it to settle and returns a PNG screenshot. docs/desktop.md has
// the details. Thread-safe (stateless; state lives in the context).
#pragma once

#include <memory>

#include "desktop/desktop_session.h"
#include "tools/tool.h"

namespace mh::desktop {

struct ComputerToolOptions {
  DesktopSessionOptions session;
  // Longest `duration` accepted by wait and hold_key, in seconds.
  double max_duration_seconds = 30;
};

std::unique_ptr<tools::Tool> NewComputerTool(ComputerToolOptions options = {});

// The name of the session resource holding the DesktopSession.
inline constexpr const char* kDesktopResource = "desktop";

}  // namespace mh::desktop
