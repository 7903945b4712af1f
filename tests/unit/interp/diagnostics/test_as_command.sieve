header "Subject" "x";
