require "fileinto";

if header :contains "from" "x" {
	fileinto "a" ( ;
}
friep $$$;
if size :over 99999999999999999999999G { stop; }
x "unterminated
