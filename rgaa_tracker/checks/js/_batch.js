// Runs every DOM check of a page in one protocol call, after the shared library: each call
// crosses Python, the Playwright driver, the browser and the renderer (about a millisecond of
// CPU and of wait), and a page had one per check. A check that throws answers its own error; the others go on.
(lib, checks, options) => checks.map((check) => {
  try {
    return {value: check(lib, options)};
  } catch (error) {
    return {error: String((error && (error.stack || error.message)) || error).slice(0, 500)};
  }
})
