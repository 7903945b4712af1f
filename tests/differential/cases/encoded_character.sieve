require ["encoded-character", "fileinto"];
fileinto "${hex:49 4E 42 4F 58}/${unicode:48 0065}llo";
fileinto "Gr${unicode:fc}${hex:c3 9f}e";
