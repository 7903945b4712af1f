require "fileinto";
fileinto "inbox/Sub";
