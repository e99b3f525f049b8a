"""seq-explorer's Textual app and command line. It never does ML itself: it calls the engine."""
