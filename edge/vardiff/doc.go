// Package vardiff sets each miner's difficulty so it finds shares at a
// steady rate. It is timer-driven: a retarget happens on schedule whether or
// not shares arrive, so a miner that stops finding shares comes down (decline
// safe). Each step is bounded, small drifts are ignored, and a miner far too
// fast is retargeted early. It keeps no clock of its own: callers pass now.
package vardiff
