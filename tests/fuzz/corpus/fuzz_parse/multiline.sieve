if header :is "Subject" text:
line 1
..line 2
.
{ keep; }
/* comment */ # more
