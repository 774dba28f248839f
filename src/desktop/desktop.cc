#include "desktop/desktop.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

#include "desktop/desktop_impl.h"

namespace mh::desktop {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::atomic<int> g_last_x_error{0};

// Xlib's default handlers exit the process; ours record and carry on.
int OnXError(::Display*, XErrorEvent* event) {
  g_last_x_error = event->error_code;
  return 0;
}
int OnXIoError(::Display*) { return 0; }
void OnXIoErrorExit(::Display*, void*) {}

void InstallErrorHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    XInitThreads();
    XSetErrorHandler(OnXError);
    XSetIOErrorHandler(OnXIoError);
  });
}

constexpr const char* kCookieName = "MIT-MAGIC-COOKIE-1";

// The first MIT-MAGIC-COOKIE-1 in an Xauthority file (big-endian length-prefixed
// fields: family, address, display number, name, data).
Result<std::string> ReadCookie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pos = 0;
  auto field = [&](std::string& out) {
    if (pos + 2 > bytes.size()) return false;
    size_t n = (static_cast<uint8_t>(bytes[pos]) << 8) | static_cast<uint8_t>(bytes[pos + 1]);
    if (pos + 2 + n > bytes.size()) return false;
    out = bytes.substr(pos + 2, n);
    pos += 2 + n;
    return true;
  };
  while (pos + 2 <= bytes.size()) {
    pos += 2;  // Family.
    std::string address, number, name, data;
    if (!field(address) || !field(number) || !field(name) || !field(data)) break;
    if (name == kCookieName) return data;
  }
  return NotFoundError("no X cookie in " + path);
}

// Shared-memory capture; false (and nothing allocated) when the server refuses it.
bool SetUpShm(Desktop::Impl& d) {
  if (!XShmQueryExtension(d.dpy)) return false;
  Visual* visual = DefaultVisual(d.dpy, d.screen);
  int depth = DefaultDepth(d.dpy, d.screen);
  XImage* image =
      XShmCreateImage(d.dpy, visual, depth, ZPixmap, nullptr, &d.shm, d.size.width, d.size.height);
  if (image == nullptr) return false;
  d.shm.shmid = shmget(IPC_PRIVATE, static_cast<size_t>(image->bytes_per_line) * image->height,
                       IPC_CREAT | 0600);
  if (d.shm.shmid < 0) {
    XDestroyImage(image);
    return false;
  }
  d.shm.shmaddr = image->data = static_cast<char*>(shmat(d.shm.shmid, nullptr, 0));
  d.shm.readOnly = False;
  g_last_x_error = 0;
  bool attached = d.shm.shmaddr != reinterpret_cast<char*>(-1) && XShmAttach(d.dpy, &d.shm);
  XSync(d.dpy, False);
  // Marked for removal now: the segment goes away when both sides detach.
  shmctl(d.shm.shmid, IPC_RMID, nullptr);
  if (!attached || g_last_x_error != 0) {
    if (d.shm.shmaddr != reinterpret_cast<char*>(-1)) shmdt(d.shm.shmaddr);
    image->data = nullptr;
    XDestroyImage(image);
    return false;
  }
  d.shm_image = image;
  return true;
}

// Copies a 32-bit-per-pixel ZPixmap with 8-bit channels into RGB.
Result<Image> ToRgb(const XImage& x) {
  if (x.bits_per_pixel != 32 || x.red_mask != 0xff0000 || x.green_mask != 0xff00 ||
      x.blue_mask != 0xff) {
    return UnimplementedError("unsupported screen format: " + std::to_string(x.bits_per_pixel) +
                              " bits per pixel");
  }
  Image out;
  out.width = x.width;
  out.height = x.height;
  out.rgb.resize(static_cast<size_t>(x.width) * x.height * 3);
  for (int y = 0; y < x.height; ++y) {
    const auto* src = reinterpret_cast<const uint32_t*>(x.data + y * x.bytes_per_line);
    uint8_t* dst = out.Pixel(0, y);
    for (int i = 0; i < x.width; ++i, dst += 3) {
      uint32_t p = src[i];
      dst[0] = static_cast<uint8_t>(p >> 16);
      dst[1] = static_cast<uint8_t>(p >> 8);
      dst[2] = static_cast<uint8_t>(p);
    }
  }
  return out;
}

// Blends the XFixes cursor image (premultiplied ARGB) onto `image`.
void DrawCursor(::Display* dpy, Image& image) {
  XFixesCursorImage* cursor = XFixesGetCursorImage(dpy);
  if (cursor == nullptr) return;
  int left = cursor->x - cursor->xhot, top = cursor->y - cursor->yhot;
  for (int cy = 0; cy < cursor->height; ++cy) {
    int y = top + cy;
    if (y < 0 || y >= image.height) continue;
    for (int cx = 0; cx < cursor->width; ++cx) {
      int x = left + cx;
      if (x < 0 || x >= image.width) continue;
      auto argb = static_cast<uint32_t>(cursor->pixels[cy * cursor->width + cx]);
      uint32_t alpha = argb >> 24;
      if (alpha == 0) continue;
      uint8_t* p = image.Pixel(x, y);
      for (int c = 0; c < 3; ++c) {
        uint32_t src = (argb >> (16 - 8 * c)) & 0xff;
        p[c] = static_cast<uint8_t>(std::min<uint32_t>(255, src + p[c] * (255 - alpha) / 255));
      }
    }
  }
  XFree(cursor);
}

}  // namespace

Desktop::Impl::~Impl() {
  watchdog.reset();
  if (dpy == nullptr) return;
  if (!broken()) {
    // Put spare keycodes back to nothing, so the keymap is as we found it.
    std::vector<KeySym> empty(static_cast<size_t>(keysyms_per_keycode), NoSymbol);
    for (const auto& [code, sym] : remapped_by_code) {
      XChangeKeyboardMapping(dpy, code, keysyms_per_keycode, empty.data(), 1);
    }
    if (shm_image != nullptr) XShmDetach(dpy, &shm);
    if (damage != 0) XDamageDestroy(dpy, damage);
    XSync(dpy, False);
  }
  if (shm_image != nullptr) {
    shmdt(shm.shmaddr);
    shm_image->data = nullptr;
    XDestroyImage(shm_image);
  }
  XCloseDisplay(dpy);
}

Status Desktop::Impl::CheckUsable() const {
  if (broken()) {
    return UnavailableError(
        "the desktop connection was cut after an action ran over its time "
        "limit; start a new one");
  }
  return Status::Ok();
}

Status Desktop::Impl::Sync() {
  XSync(dpy, False);
  if (broken()) {
    return DeadlineExceededError("the display did not answer within " +
                                 std::to_string(options.action_limit.count()) + " ms");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Desktop>> Desktop::Connect(const std::string& display_name,
                                                  const std::string& auth_file,
                                                  DesktopOptions options) {
  InstallErrorHandlers();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  {
    // XSetAuthorization is process-wide: hold it until our connection is made.
    static std::mutex auth_mutex;
    std::lock_guard<std::mutex> lock(auth_mutex);
    std::string cookie;
    if (!auth_file.empty()) {
      ASSIGN_OR_RETURN(cookie, ReadCookie(auth_file));
      XSetAuthorization(const_cast<char*>(kCookieName), std::strlen(kCookieName), cookie.data(),
                        static_cast<int>(cookie.size()));
    }
    impl->dpy = XOpenDisplay(display_name.c_str());
    XSetAuthorization(nullptr, 0, nullptr, 0);
  }
  if (impl->dpy == nullptr) {
    return UnavailableError("cannot connect to X display " + display_name);
  }
  XSetIOErrorExitHandler(impl->dpy, OnXIoErrorExit, nullptr);
  impl->screen = DefaultScreen(impl->dpy);
  impl->root = RootWindow(impl->dpy, impl->screen);
  impl->size = {DisplayWidth(impl->dpy, impl->screen), DisplayHeight(impl->dpy, impl->screen)};
  int event_base = 0, error_base = 0, major = 0, minor = 0;
  if (!XTestQueryExtension(impl->dpy, &event_base, &error_base, &major, &minor)) {
    return FailedPreconditionError("X server " + display_name + " lacks the XTest extension");
  }
  if (!XDamageQueryExtension(impl->dpy, &impl->damage_event_base, &error_base)) {
    return FailedPreconditionError("X server " + display_name + " lacks the DAMAGE extension");
  }
  if (!XFixesQueryExtension(impl->dpy, &event_base, &error_base)) {
    return FailedPreconditionError("X server " + display_name + " lacks the XFIXES extension");
  }
  XDamageQueryVersion(impl->dpy, &major, &minor);
  XFixesQueryVersion(impl->dpy, &major, &minor);
  impl->damage = XDamageCreate(impl->dpy, impl->root, XDamageReportNonEmpty);
  XSelectInput(impl->dpy, impl->root, SubstructureNotifyMask);
  impl->has_shm = SetUpShm(*impl);
  impl->LoadKeymap();
  int fd = ConnectionNumber(impl->dpy);
  // On expiry, cut the socket: the blocked Xlib call returns with an I/O error.
  impl->watchdog = std::make_unique<Watchdog>([fd] { shutdown(fd, SHUT_RDWR); });
  return std::unique_ptr<Desktop>(new Desktop(std::move(impl)));
}

Desktop::Desktop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Desktop::~Desktop() = default;

Size Desktop::size() const { return impl_->size; }
bool Desktop::using_shm() const { return impl_->has_shm; }
bool Desktop::broken() const { return impl_->broken(); }

Result<Image> Desktop::Capture() {
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  Impl& d = *impl_;
  Result<Image> image = InternalError("no capture");
  if (d.has_shm) {
    if (!XShmGetImage(d.dpy, d.root, d.shm_image, 0, 0, AllPlanes)) {
      RETURN_IF_ERROR(d.Sync());
      return InternalError("XShmGetImage failed");
    }
    image = ToRgb(*d.shm_image);
  } else {
    XImage* x = XGetImage(d.dpy, d.root, 0, 0, d.size.width, d.size.height, AllPlanes, ZPixmap);
    if (x == nullptr) {
      RETURN_IF_ERROR(d.Sync());
      return InternalError("XGetImage failed");
    }
    image = ToRgb(*x);
    XDestroyImage(x);
  }
  if (image.ok() && d.options.draw_cursor) DrawCursor(d.dpy, *image);
  RETURN_IF_ERROR(d.Sync());
  return image;
}

Result<bool> Desktop::Settle() {
  RETURN_IF_ERROR(impl_->CheckUsable());
  Impl& d = *impl_;
  ArmedScope armed(*d.watchdog, d.options.settle_cap + d.options.action_limit);
  RETURN_IF_ERROR(d.Sync());  // The server has handled our input.
  auto now = SteadyClock::now();
  auto cap = now + d.options.settle_cap;
  auto quiet_until = now + d.options.settle_quiet;
  bool first = true;
  while (true) {
    bool damaged = first;
    first = false;
    while (XPending(d.dpy) > 0) {
      XEvent event;
      XNextEvent(d.dpy, &event);
      if (event.type == d.damage_event_base + XDamageNotify) damaged = true;
    }
    if (d.broken()) return DeadlineExceededError("the display stopped answering");
    now = SteadyClock::now();
    if (damaged) {
      // Re-arms the NonEmpty report: the next change sends a new event.
      XDamageSubtract(d.dpy, d.damage, 0, 0);
      XFlush(d.dpy);
      quiet_until = now + d.options.settle_quiet;
    }
    if (now >= quiet_until) return true;
    if (now >= cap) return false;
    auto wait = std::min(quiet_until, cap) - now;
    pollfd p{ConnectionNumber(d.dpy), POLLIN, 0};
    poll(&p, 1,
         static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1);
  }
}

Result<bool> Desktop::WaitForWindow(std::chrono::milliseconds timeout) {
  RETURN_IF_ERROR(impl_->CheckUsable());
  Impl& d = *impl_;
  ArmedScope armed(*d.watchdog, timeout + d.options.action_limit);
  auto deadline = SteadyClock::now() + timeout;
  while (true) {
    while (XPending(d.dpy) > 0) {
      XEvent event;
      XNextEvent(d.dpy, &event);
      if (event.type == MapNotify && event.xmap.event == d.root) return true;
    }
    if (d.broken()) return DeadlineExceededError("the display stopped answering");
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{ConnectionNumber(d.dpy), POLLIN, 0};
    poll(&p, 1, static_cast<int>(left.count()) + 1);
  }
}

}  // namespace mh::desktop
