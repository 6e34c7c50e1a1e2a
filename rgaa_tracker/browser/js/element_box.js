// Runs in our isolated world after the checks: scroll one offending element into view and say
// where it is in the viewport, for a cropped screenshot. null: nothing worth photographing
// (not found, the whole document, in <head>, hidden or empty).
(selector) => {
  let element;
  try {
    element = document.querySelector(selector);
  } catch (error) {
    return null;
  }
  if (!element || element === document.documentElement || element === document.body || element.closest('head')) {
    return null;
  }
  let box = element.getBoundingClientRect();
  const inView = box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  if (!inView) {  // scrolled only when needed: neighbours on one screen cost no repaint each
    element.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    box = element.getBoundingClientRect();
  }
  if (!(box.width > 0 && box.height > 0)) {
    return null;
  }
  return {
    x: box.x, y: box.y, width: box.width, height: box.height,
    viewport_width: window.innerWidth, viewport_height: window.innerHeight, scroll_x: window.scrollX, scroll_y: window.scrollY,
  };
}
