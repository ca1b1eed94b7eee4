// The vendored bundle's entry: the npm player as a global for viewer/viewer.js.
window.IVSPlayer = require("amazon-ivs-player");
