redirect "@example.com";
