"""Reads of reporting: each part's measures (`volumes`, `timeliness`, `agencies`,
`learning`), the slippage view, the annual report and the learning search. Every
figure is one aggregate query for all the partnerships asked for, whatever the number of
cases; the cases behind it are read through `visible_to(scope)`."""
