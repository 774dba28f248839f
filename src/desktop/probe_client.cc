#include "desktop/probe_client.h"

#include <poll.h>

#include <mutex>

#include "desktop/keys.h"
#include "desktop/x11.h"

namespace mh::desktop::testing {
namespace {

std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

// The character a keysym stands for (Latin-1 and Unicode keysyms), or "".
std::string TextOfKeysym(KeySym sym) {
  if ((sym >= 0x20 && sym <= 0x7e) || (sym >= 0xa0 && sym <= 0xff)) {
    return Utf8(static_cast<char32_t>(sym));
  }
  if ((sym & 0xff000000) == 0x01000000) return Utf8(static_cast<char32_t>(sym & 0xffffff));
  if (sym == XK_Return) return "\n";
  return "";
}

}  // namespace

struct ProbeClient::Impl {
  ::Display* dpy = nullptr;
  Window window = 0;
  std::vector<ProbeEvent> events;
  ~Impl() {
    if (dpy != nullptr) XCloseDisplay(dpy);
  }
};

Result<std::unique_ptr<ProbeClient>> ProbeClient::Open(const std::string& display,
                                                       const std::string& auth_file) {
  auto impl = std::make_unique<Impl>();
  {
    static std::mutex env_mutex;
    std::lock_guard<std::mutex> lock(env_mutex);
    setenv("XAUTHORITY", auth_file.c_str(), 1);
    impl->dpy = XOpenDisplay(display.c_str());
  }
  if (impl->dpy == nullptr) return UnavailableError("probe cannot connect to " + display);
  // A server that goes away must not end the test process.
  XSetIOErrorExitHandler(
      impl->dpy, [](::Display*, void*) {}, nullptr);
  ::Display* dpy = impl->dpy;
  int screen = DefaultScreen(dpy);
  XSetWindowAttributes attrs{};
  attrs.background_pixel = kBackground;
  attrs.override_redirect = True;
  attrs.event_mask =
      ButtonPressMask | ButtonReleaseMask | PointerMotionMask | KeyPressMask | StructureNotifyMask;
  impl->window =
      XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, DisplayWidth(dpy, screen),
                    DisplayHeight(dpy, screen), 0, CopyFromParent, InputOutput, CopyFromParent,
                    CWBackPixel | CWOverrideRedirect | CWEventMask, &attrs);
  XMapRaised(dpy, impl->window);
  XSync(dpy, False);
  XEvent event;
  do {
    XWindowEvent(dpy, impl->window, StructureNotifyMask, &event);
  } while (event.type != MapNotify);
  // Keyboard focus follows the pointer (no window manager); make it ours for sure.
  XSetInputFocus(dpy, impl->window, RevertToParent, CurrentTime);
  XSync(dpy, False);
  return std::unique_ptr<ProbeClient>(new ProbeClient(std::move(impl)));
}

ProbeClient::ProbeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProbeClient::~ProbeClient() = default;

void ProbeClient::Pump(std::chrono::milliseconds wait) {
  ::Display* dpy = impl_->dpy;
  if (XPending(dpy) == 0) {
    pollfd p{ConnectionNumber(dpy), POLLIN, 0};
    poll(&p, 1, static_cast<int>(wait.count()));
  }
  while (XPending(dpy) > 0) {
    XEvent event;
    XNextEvent(dpy, &event);
    ProbeEvent out{};
    switch (event.type) {
      case MappingNotify:
        XRefreshKeyboardMapping(&event.xmapping);
        continue;
      case ButtonPress:
      case ButtonRelease:
        out.kind = event.type == ButtonPress ? ProbeEvent::Kind::kButtonPress
                                             : ProbeEvent::Kind::kButtonRelease;
        out.x = event.xbutton.x;
        out.y = event.xbutton.y;
        out.button = event.xbutton.button;
        out.state = event.xbutton.state;
        break;
      case MotionNotify:
        out.kind = ProbeEvent::Kind::kMotion;
        out.x = event.xmotion.x;
        out.y = event.xmotion.y;
        out.state = event.xmotion.state;
        break;
      case KeyPress: {
        out.kind = ProbeEvent::Kind::kKeyPress;
        char buffer[16];
        KeySym sym = NoSymbol;
        XLookupString(&event.xkey, buffer, sizeof(buffer), &sym, nullptr);
        out.keysym = sym;
        out.state = event.xkey.state;
        out.text = TextOfKeysym(sym);
        break;
      }
      default:
        continue;
    }
    impl_->events.push_back(out);
  }
}

std::vector<ProbeEvent> ProbeClient::WaitFor(ProbeEvent::Kind kind, size_t count,
                                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<ProbeEvent> matching;
  while (true) {
    matching.clear();
    for (const ProbeEvent& e : impl_->events) {
      if (e.kind == kind) matching.push_back(e);
    }
    if (matching.size() >= count || std::chrono::steady_clock::now() >= deadline) break;
    Pump(std::chrono::milliseconds(50));
  }
  return matching;
}

std::string ProbeClient::WaitForText(size_t chars, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (true) {
    text.clear();
    for (const ProbeEvent& e : impl_->events) text += e.text;
    Result<std::u32string> decoded = DecodeUtf8(text);
    if ((decoded.ok() && decoded->size() >= chars) ||
        std::chrono::steady_clock::now() >= deadline) {
      return text;
    }
    Pump(std::chrono::milliseconds(50));
  }
}

void ProbeClient::Clear() {
  Pump(std::chrono::milliseconds(0));
  impl_->events.clear();
}

}  // namespace mh::desktop::testing
