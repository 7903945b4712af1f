if header :contains "Subject" "x" {
  fileinto "Spam";
}
